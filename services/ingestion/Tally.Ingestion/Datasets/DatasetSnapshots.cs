using System.Text;
using Microsoft.Extensions.Options;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Datasets;
using Tally.Datasets.Specs;
using Tally.Grpc;
using Tally.Ingestion.Storage;
using Tally.Ingestion.V1;
using Tally.Messaging.Outbox;
using Tally.Security;

namespace Tally.Ingestion.Datasets;

/// <summary>
/// The upload's bytes as they stream past, kept up to a limit so the file can be stored as a snapshot once the load
/// completes (the load itself never waits for this copy). Past the limit the copy is dropped: the snapshot is then
/// recorded without its bytes.
/// </summary>
internal sealed class UploadCopy(long limit) : IDisposable
{
    private MemoryStream? _bytes = new();

    /// <summary>True while every byte so far is kept.</summary>
    public bool Complete => _bytes is not null;

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> chunk)
    {
        Length += chunk.Length;
        if (_bytes is null)
        {
            return;
        }

        if (Length > limit)
        {
            _bytes.Dispose();
            _bytes = null;
            return;
        }

        _bytes.Write(chunk);
    }

    public byte[] ToArray() => _bytes?.ToArray() ?? [];

    public void Dispose() => _bytes?.Dispose();
}

/// <summary>
/// Dataset uploads as sources and snapshots: the header's source (an id checked with the citation service, or a
/// new_source registered there; without either, the dataset spec's source), and after a completed load the uploaded
/// file as an immutable snapshot whose id is the content SHA-256 (same bytes, same snapshot), with its text for
/// CSV/TSV so citations into the file verify.
/// </summary>
internal sealed class DatasetSnapshots(
    SnapshotStore snapshots,
    CitationService.CitationServiceClient citations,
    DatasetEngine engine,
    IOptions<IngestionOptions> options,
    CallerAccessor callers,
    TimeProvider time)
{
    /// <summary>Bytes of an upload kept for its snapshot (Tally:Ingestion:MaxDatasetSnapshotBytes).</summary>
    public UploadCopy NewCopy() => new(options.Value.MaxDatasetSnapshotBytes);

    /// <summary>
    /// The source the upload belongs to: the header's source_id (must exist), its new_source (registered, idempotent by
    /// URL), else the spec's source block (registered as an official dataset), else null. Errors are gRPC statuses.
    /// </summary>
    public async Task<Source?> ResolveSourceAsync(DatasetHeader header, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(options.Value.ServiceCallTimeoutSeconds);
        try
        {
            switch (header.SourceCase)
            {
                case DatasetHeader.SourceOneofCase.SourceId when header.SourceId.Trim().Length > 0:
                    return (await citations.GetSourceAsync(new GetSourceRequest { SourceId = header.SourceId.Trim() }, deadline: deadline, cancellationToken: ct)).Source;
                case DatasetHeader.SourceOneofCase.NewSource:
                    return (await citations.RegisterSourceAsync(new RegisterSourceRequest { Source = header.NewSource }, deadline: deadline, cancellationToken: ct)).Source;
            }

            if (SpecSource(header) is not { } fromSpec)
            {
                return null;
            }

            var source = new Source
            {
                Kind = SourceKind.OfficialDataset,
                Publisher = fromSpec.Publisher ?? "",
                Title = fromSpec.Title ?? header.Name,
                Url = fromSpec.Url ?? "",
            };
            return (await citations.RegisterSourceAsync(new RegisterSourceRequest { Source = source }, deadline: deadline, cancellationToken: ct)).Source;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.AlreadyExists)
        {
            throw new RpcException(new Status(ex.StatusCode, $"The upload's source: {ex.Status.Detail}"));
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"The source registry (citation service) did not answer ({ex.StatusCode}: {ex.Status.Detail}); nothing was loaded. Try again when it is up."));
        }
    }

    /// <summary>The source block of the spec the load will use (uploaded, else the catalog's), when it names a title or URL.</summary>
    private DatasetSource? SpecSource(DatasetHeader header)
    {
        DatasetSpec? spec = null;
        if (!string.IsNullOrWhiteSpace(header.SpecYaml))
        {
            try
            {
                spec = DatasetSpecParser.Parse(header.SpecYaml, "(uploaded spec)");
            }
            catch (DatasetSpecException)
            {
                return null; // the load reports the spec's problems itself
            }
        }

        spec ??= engine.CatalogSpecs.FirstOrDefault(s => s.Name == header.Name.Trim());
        return spec?.Source is { } s && (!string.IsNullOrWhiteSpace(s.Title) || !string.IsNullOrWhiteSpace(s.Url)) ? s : null;
    }

    /// <summary>
    /// Stores the uploaded file as snapshot <c>summary.ContentSha256</c> of <paramref name="source"/> (nothing is written
    /// when it exists). Returns true when the snapshot is new, and a note when its bytes or text were not kept.
    /// </summary>
    public async Task<(bool IsNew, string? Note)> StoreAsync(LoadSummary summary, DatasetHeader header, DatasetFileFormat format, Source? source, UploadCopy copy, CancellationToken ct)
    {
        var id = summary.ContentSha256;
        if (await snapshots.FindAsync(id, includeText: false, ct) is not null)
        {
            return (false, null);
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var bytes = copy.Complete ? copy.ToArray() : [];
        string? text = null;
        if (copy.Complete && format is DatasetFileFormat.Csv or DatasetFileFormat.Tsv)
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetString(bytes);
            if (text.Length > 0 && text[0] == '\uFEFF')
            {
                text = text[1..];
            }
        }

        var row = new SnapshotRow
        {
            Id = id,
            SourceId = source?.Id ?? "",
            MediaType = MediaTypeOf(format),
            FileName = header.FileName.Trim(),
            Vintage = header.Vintage.Trim(),
            RetrievedAt = now,
            IngestedAt = now,
            ByteLength = copy.Length,
            TextLength = text?.Length ?? 0,
            HasText = text is null ? 0 : 1,
            Title = source?.Title,
            Source = SnapshotStore.Serialize(source ?? new Source()),
            Content = bytes,
            Text = text,
        };
        var inserted = await snapshots.InsertAsync(row, ct);
        var note = copy.Complete ? null
            : $"The file is {copy.Length:N0} bytes, more than {IngestionOptions.Section}:MaxDatasetSnapshotBytes ({options.Value.MaxDatasetSnapshotBytes:N0}): " +
              $"snapshot {id} records its hash, size and name but not its bytes, so citations into it cannot be verified.";
        return (inserted, note);
    }

    public static string MediaTypeOf(DatasetFileFormat format) => format switch
    {
        DatasetFileFormat.Tsv => "text/tab-separated-values",
        DatasetFileFormat.Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "text/csv",
    };

    /// <summary>
    /// Announces a new dataset snapshot like a document's, so the citation service verifies what waits for its source;
    /// through the ingestion database's outbox, right after the snapshot row is stored.
    /// </summary>
    public Task PublishIngestedAsync(TransactionalOutbox outbox, LoadSummary summary, DatasetHeader header, DatasetFileFormat format, Source source, CancellationToken ct) =>
        outbox.EnqueueAsync(new SourceIngested
        {
            EventId = Guid.NewGuid(),
            OccurredAt = time.GetUtcNow(),
            SourceId = source.Id,
            SnapshotId = summary.ContentSha256,
            ContentSha256 = summary.ContentSha256,
            MediaType = MediaTypeOf(format),
            Vintage = header.Vintage.Trim(),
            IsNewSnapshot = true,
            FigureMetricIds = [], // a dataset's rows are no figures; DatasetLoaded names the dataset
            ActorSubject = callers.Current.Subject,
            ActorName = callers.Current.Name,
        }, ct);
}
