using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Analysis;
using Tally.Catalog;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Grpc;
using Tally.Ingestion.Figures;
using Tally.Ingestion.Storage;
using Tally.Ingestion.V1;
using Tally.Messaging.Outbox;
using Status = Tally.Grpc.Status;
using StatusCode = Tally.Grpc.StatusCode;
using Tally.Security;

namespace Tally.Ingestion.Documents;

/// <summary>
/// IngestDocument, step by step: size limit → type → source (registered id, or registered now through the citation
/// service) → snapshot id = SHA-256 of the bytes (same bytes, same snapshot: nothing is written twice) → text →
/// figure candidates, linked to metrics where confident → in one transaction: the snapshot, its figures, the catalog
/// figures of the source pointed at it, and SourceIngested and FiguresExtracted in the service's outbox. A document without extractable text is kept as a snapshot of its bytes and
/// reported as FAILED_PRECONDITION naming that snapshot.
/// </summary>
internal sealed partial class DocumentIngestor(
    IOptions<IngestionOptions> options,
    CallerAccessor callers,
    SnapshotStore snapshots,
    [FromKeyedServices(IngestionServiceExtensions.Owner)] TransactionalOutbox outbox,
    MetricDirectory metrics,
    CitationService.CitationServiceClient citations,
    Catalog.Catalog catalog,
    TimeProvider time,
    ILogger<DocumentIngestor> logger)
{
    public async Task<IngestDocumentResponse> IngestAsync(IngestDocumentRequest request, CancellationToken ct)
    {
        var max = options.Value.MaxDocumentBytes;
        if (request.Content.Length > max)
        {
            throw Error(StatusCode.ResourceExhausted,
                $"The document is {request.Content.Length:N0} bytes; the limit is {max:N0} bytes ({Mib(max)}, setting {IngestionOptions.Section}:MaxDocumentBytes). " +
                "Split the document or raise the limit.");
        }

        var bytes = request.Content.ToByteArray();
        var fileName = UploadFileName.Sanitize(request.FileName); // a label, never a path
        var hint = request.MediaType.Length > 0 ? request.MediaType : fileName;
        var type = DocumentTextExtractor.DetectType(bytes, hint) ?? throw Error(StatusCode.InvalidArgument,
            $"Cannot ingest {(hint.Length > 0 ? $"'{hint}'" : "a document of unknown type (no media type or file name given)")}: " +
            $"the type is not supported. Supported: {DocumentTextExtractor.SupportedTypes}.");

        var source = await ResolveSourceAsync(request, ct);
        var id = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var now = time.GetUtcNow();
        var retrievedAt = request.RetrievedAt?.ToDateTimeOffset() ?? now;

        var existing = await snapshots.FindAsync(id, includeText: false, ct);
        if (existing is not null)
        {
            return await AlreadyStoredAsync(existing, source, ct);
        }

        var previous = await snapshots.LatestWithTextAsync(source.Id, ct);
        var row = new SnapshotRow
        {
            Id = id,
            SourceId = source.Id,
            MediaType = MediaTypeOf(type),
            FileName = fileName,
            Vintage = request.Vintage,
            RetrievedAt = retrievedAt.ToUnixTimeMilliseconds(),
            IngestedAt = now.ToUnixTimeMilliseconds(),
            ByteLength = bytes.LongLength,
            Source = SnapshotStore.Serialize(source),
            Content = bytes,
        };

        ExtractedDocument document;
        try
        {
            var extractor = new DocumentTextExtractor(new DocumentExtractionOptions
            {
                MaxInputBytes = max,
                PdfToTextPath = options.Value.PdfToTextPath,
                PdfTimeout = TimeSpan.FromSeconds(options.Value.PdfTimeoutSeconds),
                PdfTimeoutSetting = $"{IngestionOptions.Section}:PdfTimeoutSeconds",
                MaxTextChars = options.Value.MaxExtractedTextChars,
                MaxTextCharsSetting = $"{IngestionOptions.Section}:MaxExtractedTextChars",
            });
            document = await extractor.ExtractAsync(bytes, hint, ct);
        }
        catch (NoExtractableTextException ex)
        {
            if (!await snapshots.InsertAsync(row, ct) && await snapshots.FindAsync(id, false, ct) is { } raced)
            {
                return await AlreadyStoredAsync(raced, source, ct);
            }

            throw NoText(id, ex.Message);
        }
        catch (DocumentExtractionException ex)
        {
            throw ex switch
            {
                UnsupportedDocumentTypeException => Error(StatusCode.InvalidArgument, ex.Message),
                PdfToolMissingException => Error(StatusCode.FailedPrecondition, $"{ex.Message} Until then PDFs cannot be ingested; HTML, Markdown and text can."),
                DocumentTooLargeException => Error(StatusCode.ResourceExhausted, ex.Message),
                // The extraction's time budget is spent (a quota, as the size limits are); retrying the same file will not help.
                DocumentExtractionTimeoutException => Error(StatusCode.ResourceExhausted, ex.Message + " Nothing was stored."),
                _ => Error(StatusCode.InvalidArgument, ex.Message),
            };
        }

        row.MediaType = document.MediaType;
        row.Text = document.Text;
        row.TextLength = document.Text.Length;
        row.HasText = 1;
        row.Title = document.Title;

        var snapshot = row.ToProto();
        var response = new IngestDocumentResponse { Snapshot = snapshot, Source = WithRetrieved(source, retrievedAt) };
        var metricIds = new List<string>();
        var cited = CatalogPassages(source.Id, document.Text);
        var extractionLimit = options.Value.MaxFigureExtractionChars;
        IReadOnlyList<Figure> extractedFigures = [];
        (int Candidates, int InCatalog)? extraction = null;
        if (!request.SkipFigureExtraction && document.Text.Length > extractionLimit)
        {
            response.Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"Figure candidates were not extracted: the text has {document.Text.Length:N0} characters, more than {extractionLimit:N0} " +
                $"({IngestionOptions.Section}:MaxFigureExtractionChars). The snapshot and its text are stored; citations can quote it."));
        }
        else if (!request.SkipFigureExtraction)
        {
            var candidates = FigureExtractor.Extract(document.Text, DateOnly.FromDateTime(retrievedAt.UtcDateTime));
            var metricSet = candidates.Count > 0 ? await metrics.GetAsync(ct) : new MetricSet([], 0, null);
            if (metricSet.Unavailable is { } why)
            {
                response.Warnings.Add(why);
            }

            var extracted = CandidateFigures.Build(candidates, new CandidateFigures.Context(
                document.Text, document, snapshot, source, metricSet.Metrics, cited.Passages, now));
            extractedFigures = extracted.Figures;
            metricIds.AddRange(extracted.Figures.Select(f => f.MetricId).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            extraction = (candidates.Count, extracted.AlreadyInCatalog);
        }

        // One transaction: the snapshot, its figures, the catalog figures it confirms, and the events announcing them
        // (the service's outbox publishes those once committed). Either all of it is stored, or none of it.
        await using (var connection = await outbox.Database.OpenAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            if (!await SnapshotStore.InsertAsync(connection, tx, row, ct))
            {
                await tx.RollbackAsync(ct);
                return await snapshots.FindAsync(id, false, ct) is { } concurrent
                    ? await AlreadyStoredAsync(concurrent, source, ct) // an identical upload won the race
                    : throw Error(StatusCode.Aborted, $"Snapshot {id} was being stored and removed concurrently; send the document again.");
            }

            response.FigureCandidates = await FigureStore.InsertExtractedAsync(tx, extractedFigures, ct);
            var attached = await FigureStore.AttachCatalogFiguresAsync(tx, source.Id, id, cited.CitationIds, ct);
            var figureMetricIds = (response.FigureCandidates > 0 ? metricIds : []).Concat(attached)
                .Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var actor = callers.Current;
            await outbox.AddAsync(tx, new SourceIngested
            {
                ActorSubject = actor.Subject,
                ActorName = actor.Name,

                EventId = Guid.NewGuid(),
                OccurredAt = now,
                SourceId = source.Id,
                SnapshotId = id,
                ContentSha256 = id,
                MediaType = row.MediaType,
                Vintage = row.Vintage,
                IsNewSnapshot = true,
                PreviousSnapshotId = previous ?? "",
                FigureMetricIds = figureMetricIds,
            }, ct);
            if (response.FigureCandidates > 0)
            {
                await outbox.AddAsync(tx, new FiguresExtracted
                {
                    EventId = Guid.NewGuid(),
                    OccurredAt = now,
                    SourceId = source.Id,
                    SnapshotId = id,
                    FigureCount = response.FigureCandidates,
                    MetricIds = metricIds,
                }, ct);
            }

            await outbox.CommitAsync(tx, ct);
        }

        if (extraction is var (candidateCount, inCatalog))
        {
            LogExtracted(logger, id, source.Id, candidateCount, response.FigureCandidates, inCatalog, metricIds.Count);
        }

        return response;
    }

    private async Task<IngestDocumentResponse> AlreadyStoredAsync(SnapshotRow existing, Source source, CancellationToken ct)
    {
        if (!string.Equals(existing.SourceId, source.Id, StringComparison.Ordinal))
        {
            throw Error(StatusCode.AlreadyExists,
                $"These exact bytes are already stored as snapshot {existing.Id} of source '{existing.SourceId}', not '{source.Id}'. " +
                $"A snapshot belongs to one source: ingest it with source_id '{existing.SourceId}', or check that the right file was sent.");
        }

        if (existing.HasText == 0)
        {
            throw NoText(existing.Id, "It was stored before without extractable text.");
        }

        // Re-announce (no state changes, so the event goes into the outbox on its own): consumers are idempotent, and one
        // that missed the first event (e.g. citations registered later) catches up.
        await outbox.EnqueueAsync(new SourceIngested
        {
            EventId = Guid.NewGuid(),
            OccurredAt = time.GetUtcNow(),
            SourceId = existing.SourceId,
            SnapshotId = existing.Id,
            ContentSha256 = existing.Id,
            MediaType = existing.MediaType,
            Vintage = existing.Vintage,
            IsNewSnapshot = false,
        }, ct);
        return new IngestDocumentResponse
        {
            Snapshot = existing.ToProto(),
            Source = WithRetrieved(source, DateTimeOffset.FromUnixTimeMilliseconds(existing.RetrievedAt)),
            AlreadyExisted = true,
        };
    }

    private async Task<Source> ResolveSourceAsync(IngestDocumentRequest request, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(options.Value.ServiceCallTimeoutSeconds);
        try
        {
            switch (request.SourceCase)
            {
                case IngestDocumentRequest.SourceOneofCase.SourceId when !string.IsNullOrWhiteSpace(request.SourceId):
                    return (await citations.GetSourceAsync(new GetSourceRequest { SourceId = request.SourceId.Trim() }, deadline: deadline, cancellationToken: ct)).Source;
                case IngestDocumentRequest.SourceOneofCase.NewSource:
                    return (await citations.RegisterSourceAsync(new RegisterSourceRequest { Source = request.NewSource }, deadline: deadline, cancellationToken: ct)).Source;
                default:
                    throw Error(StatusCode.InvalidArgument,
                        "Say which source the document is a version of: set source_id (a registered source; list them with ListSources) " +
                        "or new_source (kind, publisher, title and, for web pages, url).");
            }
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.AlreadyExists)
        {
            throw Error(ex.StatusCode, ex.Status.Detail);
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            throw Error(StatusCode.Unavailable,
                $"The source registry (citation service) did not answer ({ex.StatusCode}: {ex.Status.Detail}); nothing was stored. Try again when it is up.");
        }
    }

    /// <summary>
    /// Where this text holds the passages the catalog cites from this source: each passage with the value of the
    /// figure citing it (so candidates restating it are not stored twice), and the ids of the citations found.
    /// </summary>
    private (List<(TextSpan Passage, double Value)> Passages, HashSet<string> CitationIds) CatalogPassages(string sourceId, string text)
    {
        var passages = new List<(TextSpan, double)>();
        var found = new HashSet<string>(StringComparer.Ordinal);
        NormalizedText? normalized = null; // the matcher's own folding; a miss needs no explanation here, so no FragmentLocator
        foreach (var figure in catalog.Figures)
        {
            foreach (var citation in figure.Citations.Where(c => string.Equals(c.Source, sourceId, StringComparison.Ordinal)))
            {
                normalized ??= TextNormalizer.Normalize(text);
                var fragment = TextNormalizer.ForMatching(citation.Fragment);
                var at = fragment.Length > 0 ? normalized.Text.IndexOf(fragment, StringComparison.Ordinal) : -1;
                if (at >= 0)
                {
                    passages.Add((normalized.ToOriginal(at, fragment.Length), (double)figure.Value));
                    found.Add(CitationIds.ForSourceFragment(citation.Source, citation.Fragment));
                }
            }
        }

        return (passages, found);
    }

    private static Source WithRetrieved(Source source, DateTimeOffset retrievedAt)
    {
        var date = retrievedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (string.CompareOrdinal(source.RetrievedDate, date) >= 0)
        {
            return source;
        }

        var copy = source.Clone();
        copy.RetrievedDate = date;
        return copy;
    }

    private static string MediaTypeOf(DocumentType type) => type switch
    {
        DocumentType.Pdf => "application/pdf",
        DocumentType.Html => "text/html",
        DocumentType.Markdown => "text/markdown",
        _ => "text/plain",
    };

    private static string Mib(long bytes) => bytes % (1024 * 1024) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:0.##} MiB");

    private static RpcException NoText(string snapshotId, string why) => Error(StatusCode.FailedPrecondition,
        $"The document has no extractable text. {why} The raw bytes are kept as snapshot {snapshotId} (see GetSnapshot); " +
        "ingest a version with a text layer, or the page's HTML or text, under the same source.");

    private static RpcException Error(StatusCode code, string message) => new(new Status(code, message));

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Snapshot {SnapshotId} of {SourceId}: {Candidates} figure candidates, {Stored} stored, {InCatalog} already published in the catalog, {Metrics} metrics linked")]
    private static partial void LogExtracted(ILogger logger, string snapshotId, string sourceId, int candidates, int stored, int inCatalog, int metrics);
}
