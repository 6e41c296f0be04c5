using Tally.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Tally.Datasets;
using Tally.Datasets.Storage;
using Tally.Grpc;
using Tally.Hosting.Limits;
using Tally.Ingestion.Datasets;
using Tally.Ingestion.Documents;
using Tally.Ingestion.Storage;
using Tally.Ingestion.V1;
using Tally.Messaging.Outbox;
using Tally.Security;

namespace Tally.Ingestion;

/// <summary>
/// tally.ingestion.v1.IngestionService. The dataset rpcs wrap <see cref="DatasetEngine"/> (IngestionGrpcService.Datasets.cs);
/// DatasetLoaded goes through the outbox of the engine's database (owner "datasets").
/// </summary>
internal sealed partial class IngestionGrpcService(
    DocumentIngestor ingestor, SnapshotStore snapshots, FigureStore figures, DatasetEngine datasets, DatasetSnapshots datasetSnapshots,
    MetricComputer computer, ExpensiveWork work, TimeProvider time, [FromKeyedServices(DatasetMigrations.DefaultOwner)] TransactionalOutbox datasetEvents,
    [FromKeyedServices(IngestionServiceExtensions.Owner)] TransactionalOutbox documentEvents, CallerAccessor callers)
    : IngestionService.IngestionServiceBase
{
    public override Task<IngestDocumentResponse> IngestDocument(IngestDocumentRequest request, ServerCallContext context) =>
        ingestor.IngestAsync(request, context.CancellationToken);

    /// <summary>Runs under the ComputeMetric gate (Tally:Limits:Concurrency): a full queue answers RESOURCE_EXHAUSTED "server busy, retry".</summary>
    public override async Task<ComputeMetricResponse> ComputeMetric(ComputeMetricRequest request, ServerCallContext context)
    {
        using (await work.EnterAsync(ExpensiveWorkKind.ComputeMetric, context.CancellationToken))
        {
            return await computer.ComputeAsync(request, context.CancellationToken);
        }
    }

    public override async Task<GetSnapshotResponse> GetSnapshot(GetSnapshotRequest request, ServerCallContext context)
    {
        var id = request.SnapshotId.Trim().ToLowerInvariant();
        if (id.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "snapshot_id is empty; snapshot ids are the SHA-256 of the document bytes (see ListSnapshots)."));
        }

        var row = await snapshots.FindAsync(id, request.IncludeText, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound,
                $"No snapshot '{request.SnapshotId}' is stored. Snapshot ids are the SHA-256 (64 hex digits) of the document bytes; list them with ListSnapshots."));
        return new GetSnapshotResponse { Snapshot = row.ToProto(), Source = row.SourceProto(), Text = request.IncludeText ? row.Text ?? "" : "" };
    }

    public override async Task<ListSnapshotsResponse> ListSnapshots(ListSnapshotsRequest request, ServerCallContext context)
    {
        var size = PageTokens.Size(request.PageSize);
        var offset = PageTokens.Offset(request.PageToken);
        var rows = await snapshots.ListAsync(request.SourceId.Trim(), offset, size + 1, context.CancellationToken);
        var response = new ListSnapshotsResponse();
        response.Snapshots.AddRange(rows.Take(size).Select(r => r.ToProto()));
        response.NextPageToken = PageTokens.Next(offset, response.Snapshots.Count, rows.Count > size);
        return response;
    }

    public override async Task<ListFiguresResponse> ListFigures(ListFiguresRequest request, ServerCallContext context)
    {
        var size = PageTokens.Size(request.PageSize);
        var offset = PageTokens.Offset(request.PageToken);
        var filter = new FigureFilter(request.MetricId.Trim(), request.SourceId.Trim(), request.SnapshotId.Trim().ToLowerInvariant(), request.ReviewState);
        var page = await figures.ListAsync(filter, offset, size + 1, context.CancellationToken);
        var response = new ListFiguresResponse();
        response.Figures.AddRange(page.Take(size));
        response.NextPageToken = PageTokens.Next(offset, response.Figures.Count, page.Count > size);
        return response;
    }
}
