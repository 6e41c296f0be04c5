using System.Security.Cryptography;
using Tally.Common.V1;
using Tally.Grpc;
using Tally.Ingestion.V1;

namespace Tally.Cli.Tests.Integration;

/// <summary>
/// Canned ingestion: IngestDocument answers with a fixed snapshot; IngestDataset really reads the stream (counting
/// bytes and CSV lines, quarantining lines that contain "bad") and streams progress, unless the dataset is named
/// "not-yet", which answers UNIMPLEMENTED with a message as the real server does until datasets land.
/// </summary>
internal sealed class CannedIngestionService(CannedServer server) : IngestionService.IngestionServiceBase
{
    public const string NotYetMessage = "IngestDataset is not available yet: dataset ingestion arrives with issue 5";

    public override Task<IngestDocumentResponse> IngestDocument(IngestDocumentRequest request, ServerCallContext context)
    {
        server.Requests["IngestDocument"] = request;
        var source = request.SourceCase == IngestDocumentRequest.SourceOneofCase.NewSource
            ? request.NewSource.Clone()
            : new Source { Id = request.SourceId, Title = "Registered source" };
        source.Id = source.Id.Length > 0 ? source.Id : "new-source-1";
        return Task.FromResult(new IngestDocumentResponse
        {
            Snapshot = new Snapshot
            {
                Id = "snap-1", SourceId = source.Id, MediaType = "text/plain", ByteLength = request.Content.Length, TextLength = request.Content.Length,
                ContentSha256 = Convert.ToHexStringLower(SHA256.HashData(request.Content.Span)), FileName = request.FileName,
            },
            Source = source,
            FigureCandidates = 3,
            Warnings = { "page 3 has no text layer" },
        });
    }

    public override Task<ListFiguresResponse> ListFigures(ListFiguresRequest request, ServerCallContext context) =>
        Task.FromResult(new ListFiguresResponse
        {
            Figures =
            {
                new Figure { Id = "f1", MetricId = "ice-removals", SnapshotId = request.SnapshotId },
                new Figure { Id = "f2", MetricId = "ice-removals-criminal-history", SnapshotId = request.SnapshotId },
                new Figure { Id = "f3", SnapshotId = request.SnapshotId },
            },
        });

    public override async Task IngestDataset(IAsyncStreamReader<IngestDatasetRequest> requestStream,
        IServerStreamWriter<IngestDatasetProgress> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.PayloadCase != IngestDatasetRequest.PayloadOneofCase.Header)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message must be the header"));
        }
        var header = requestStream.Current.Header;
        server.Requests["IngestDataset"] = header;
        if (header.Name == "not-yet")
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, NotYetMessage));
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var content = new MemoryStream();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var chunk = requestStream.Current.Chunk;
            hash.AppendData(chunk.Span);
            content.Write(chunk.Span);
            await responseStream.WriteAsync(new IngestDatasetProgress
            {
                Phase = IngestDatasetProgress.Types.Phase.Receiving, BytesReceived = content.Length, TotalBytes = header.ExpectedBytes, BytesPerSecond = 1_000_000,
            });
        }
        var lines = System.Text.Encoding.UTF8.GetString(content.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var quarantined = lines.Count(l => l.Contains("bad", StringComparison.Ordinal));
        await responseStream.WriteAsync(new IngestDatasetProgress
        {
            Phase = IngestDatasetProgress.Types.Phase.Completed, BytesReceived = content.Length, TotalBytes = header.ExpectedBytes,
            RowsRead = lines.Count, RowsStored = lines.Count - quarantined, RowsQuarantined = quarantined,
            Summary = new DatasetLoadSummary
            {
                DatasetId = "ds-1", DatasetName = header.Name, SnapshotId = "snap-ds-1", ContentSha256 = Convert.ToHexStringLower(hash.GetHashAndReset()),
                Vintages = { header.Vintage.Length > 0 ? header.Vintage : "2024-10-01" }, Tables = { "book_outs" },
                RowsRead = lines.Count, RowsStored = lines.Count - quarantined, RowsQuarantined = quarantined,
                Findings =
                {
                    new ValidationFinding
                    {
                        Severity = ValidationFinding.Types.Severity.Error, Code = "NON_NUMERIC_COUNT", RowCount = quarantined,
                        Message = "book_outs is not a number", Example = "row 3, column 'book_outs': 'bad'",
                    },
                },
            },
        });
    }

    public override Task<GetSnapshotResponse> GetSnapshot(GetSnapshotRequest request, ServerCallContext context) => throw Unimplemented();
    public override Task<ListSnapshotsResponse> ListSnapshots(ListSnapshotsRequest request, ServerCallContext context) => throw Unimplemented();
    public override Task<ListDatasetsResponse> ListDatasets(ListDatasetsRequest request, ServerCallContext context) => throw Unimplemented();
    public override Task<QueryDatasetResponse> QueryDataset(QueryDatasetRequest request, ServerCallContext context) => throw Unimplemented();
    public override Task<ListQuarantineResponse> ListQuarantine(ListQuarantineRequest request, ServerCallContext context) => throw Unimplemented();
    public override Task<ComputeMetricResponse> ComputeMetric(ComputeMetricRequest request, ServerCallContext context) => throw Unimplemented();

    private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, "not in the canned server"));
}
