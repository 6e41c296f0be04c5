using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Tally.Analysis;
using Tally.Catalog;
using Tally.Citations.Sources;
using Tally.Citations.Storage;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Outcome = Tally.Common.V1.Verification.Types.Outcome;
using Status = Tally.Grpc.Status;
using StatusCode = Tally.Grpc.StatusCode;
using Tally.Security;

namespace Tally.Citations.Checking;

/// <summary>A snapshot as the citation service needs it: text, media type, source, retrieved date.</summary>
internal sealed record SnapshotText(Snapshot Snapshot, Source Source, string Text)
{
    public string Accessed => Snapshot.RetrievedAt is null ? "" : Snapshot.RetrievedAt.ToDateTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Creates and verifies citations: reads snapshot text from the ingestion service (generated client), checks the
/// fragment (<see cref="FragmentCheck"/>), records the outcome per snapshot together with its CitationVerified (the
/// service's outbox publishes it once committed) and returns the events it recorded.
/// </summary>
internal sealed partial class CitationVerifier(
    CitationStore citations,
    SourceStore sources,
    IngestionService.IngestionServiceClient ingestion,
    TimeProvider time,
    CallerAccessor callers,
    ILogger<CitationVerifier> logger)
{
    /// <summary>Fragments longer than this are rejected: a citation quotes the words that carry a figure, not a page.</summary>
    public const int MaxFragmentLength = 2000;

    public async Task<(CitationRow Row, bool Existed, CitationVerified? Event)> CreateAsync(CreateCitationRequest request, CancellationToken ct)
    {
        var fragment = request.Fragment.Trim();
        if (fragment.Length == 0)
        {
            throw Error(StatusCode.InvalidArgument, "fragment is empty: quote the exact words in the snapshot that carry the figure.");
        }

        if (fragment.Contains('\0', StringComparison.Ordinal))
        {
            throw Error(StatusCode.InvalidArgument, "fragment contains a NUL character (U+0000); quote the words as they read in the snapshot.");
        }

        if (fragment.Length > MaxFragmentLength)
        {
            throw Error(StatusCode.InvalidArgument,
                Inv($"fragment has {fragment.Length:N0} characters; the limit is {MaxFragmentLength:N0}. Quote only the words that carry the figure."));
        }

        var snapshotId = request.SnapshotId.Trim().ToLowerInvariant();
        if (snapshotId.Length == 0)
        {
            throw Error(StatusCode.InvalidArgument, "snapshot_id is empty: name the snapshot the passage is quoted from (IngestDocument returns it; ListSnapshots lists them).");
        }

        var locator = request.Locator ?? new Locator();
        var id = CreatedId(snapshotId, locator, fragment);
        if (await citations.FindAsync(id, ct) is { } existing)
        {
            return (existing, true, null);
        }

        var snapshot = await FetchAsync(snapshotId, includeText: true, ct) ?? throw Error(StatusCode.InvalidArgument,
            $"Unknown snapshot '{request.SnapshotId}': ingest the document first (IngestDocument), or pick a snapshot from ListSnapshots.");
        var source = await sources.FindAsync(snapshot.Source.Id, ct) ?? snapshot.Source;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var result = FragmentCheck.Check(snapshotId, snapshot.Text, new FragmentLocator(snapshot.Text), fragment);
        var row = new CitationRow
        {
            Id = id,
            Origin = CitationStore.CreatedOrigin,
            SourceId = source.Id,
            Pinned = 1,
            Fragment = fragment,
            CreatedAt = now,
        };
        var check = Apply(row, locator, result, snapshot, source.Url, now);
        var verified = Event(row, result, changed: true);
        if (!await citations.InsertAsync(row, check, verified, ct) && await citations.FindAsync(id, ct) is { } raced)
        {
            return (raced, true, null);
        }

        return (row, false, verified);
    }

    /// <summary>
    /// Checks a citation again: a pinned citation against its snapshot; a catalog citation not verified yet against its
    /// source's newest snapshot. Returns the updated row, whether "verified" changed, and the event.
    /// </summary>
    public async Task<(CitationRow Row, bool Changed, CitationVerified Event)> VerifyAsync(string citationId, CancellationToken ct)
    {
        var row = await FindOrThrowAsync(citationId, ct);
        var wasVerified = row.Verified == 1;
        var snapshotId = row.SnapshotId;
        if (row.Pinned == 0 && !wasVerified)
        {
            snapshotId = await NewestSnapshotAsync(row.SourceId, ct) ?? snapshotId;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var locator = Common.V1.Locator.Parser.ParseFrom(row.Locator);
        var snapshot = snapshotId.Length > 0 ? await FetchAsync(snapshotId, includeText: true, ct) : null;
        var source = await sources.FindAsync(row.SourceId, ct);
        CheckResult result;
        CitationCheck? check = null;
        if (snapshot is null)
        {
            result = new CheckResult(Outcome.SnapshotMissing, snapshotId.Length == 0
                ? $"No snapshot of source '{row.SourceId}' is stored yet: ingest the document (IngestDocument with source_id '{row.SourceId}') and its citations are verified."
                : $"Snapshot {snapshotId} is not stored by the ingestion service, so the fragment cannot be checked.", 0, 0, null);
            row.Verified = 0;
            row.Outcome = (long)result.Outcome;
            row.Detail = result.Detail;
            row.CheckedAt = now;
        }
        else
        {
            result = FragmentCheck.Check(snapshot.Snapshot.Id, snapshot.Text, new FragmentLocator(snapshot.Text), row.Fragment);
            check = Apply(row, locator, result, snapshot, source?.Url ?? snapshot.Source.Url, now);
        }

        var changed = wasVerified != result.Verified;
        var verified = Event(row, result, changed);
        await citations.RecordAsync(row, check, onlyIfNew: false, verified, ct);
        return (row, changed, verified);
    }

    /// <summary>
    /// Verifies the catalog citations of <paramref name="sourceId"/> that are still unverified against a newly
    /// ingested snapshot. Idempotent: a (citation, snapshot) pair is checked once, so a redelivered event changes nothing.
    /// </summary>
    public async Task<IReadOnlyList<CitationVerified>> VerifyPendingAsync(string sourceId, string snapshotId, CancellationToken ct)
    {
        var pending = await citations.PendingAsync(sourceId, snapshotId, ct);
        var snapshot = await FetchAsync(snapshotId, includeText: pending.Count > 0, ct);
        if (snapshot is null)
        {
            LogSnapshotGone(logger, snapshotId, sourceId);
            return [];
        }

        if (snapshot.Accessed.Length > 0)
        {
            await sources.UpdateRetrievedAsync(sourceId, snapshot.Accessed, ct);
        }

        if (pending.Count == 0 || snapshot.Text.Length == 0)
        {
            return [];
        }

        var source = await sources.FindAsync(sourceId, ct);
        var locator = new FragmentLocator(snapshot.Text);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var events = new List<CitationVerified>();
        foreach (var row in pending)
        {
            var wasVerified = row.Verified == 1;
            var result = FragmentCheck.Check(snapshotId, snapshot.Text, locator, row.Fragment);
            var check = Apply(row, Common.V1.Locator.Parser.ParseFrom(row.Locator), result, snapshot, source?.Url ?? snapshot.Source.Url, now);
            var verified = Event(row, result, wasVerified != result.Verified);
            if (await citations.RecordAsync(row, check, onlyIfNew: true, verified, ct))
            {
                events.Add(verified);
            }
        }

        LogVerified(logger, events.Count(e => e.Verified), events.Count, sourceId, snapshotId);
        return events;
    }

    public async Task<CitationRow> FindOrThrowAsync(string citationId, CancellationToken ct)
    {
        var id = citationId.Trim();
        if (id.Length == 0)
        {
            throw Error(StatusCode.InvalidArgument, "citation_id is empty.");
        }

        if (await citations.FindAsync(id, ct) is { } row)
        {
            return row;
        }

        var nearest = SourceRules.Nearest(id, await citations.IdsLikeAsync(id, ct));
        throw Error(StatusCode.NotFound, $"No citation '{id}'." + (nearest.Count > 0 ? $" Nearest ids: {string.Join(", ", nearest)}." : "") +
            " Citation ids start with \"cit-\"; figures list theirs (ListFigures), CreateCitation makes new ones.");
    }

    /// <summary>Id of a citation created for a snapshot: deterministic over the snapshot, the locator and the fragment.</summary>
    internal static string CreatedId(string snapshotId, Locator locator, string fragment)
    {
        var key = Inv($"snapshot\n{snapshotId}\n{locator.Page}|{locator.Section}|{locator.Table}|{locator.Row}|{locator.Column}|{locator.CharStart}|{locator.CharEnd}\n{CitationText.Normalize(fragment)}");
        return CitationIds.Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..20];
    }

    /// <summary>Writes a check's outcome into the row (snapshot, offsets, link, accessed date) and returns the check to record.</summary>
    private static CitationCheck Apply(CitationRow row, Locator locator, CheckResult result, SnapshotText snapshot, string url, long now)
    {
        var updated = locator.Clone();
        if (result.Verified)
        {
            updated.CharStart = result.CharStart;
            updated.CharEnd = result.CharEnd;
        }

        row.SnapshotId = snapshot.Snapshot.Id;
        row.Locator = CitationStore.Serialize(updated);
        row.Verified = result.Verified ? 1 : 0;
        row.Outcome = (long)result.Outcome;
        row.Detail = result.Detail;
        row.CheckedAt = now;
        row.Accessed = snapshot.Accessed;
        row.Link = PassageLinks.For(url, snapshot.Snapshot.MediaType, updated, result.MatchedText ?? row.Fragment);
        return new CitationCheck(row.Id, snapshot.Snapshot.Id, row.Outcome, row.Detail, result.CharStart, result.CharEnd, now);
    }

    private CitationVerified Event(CitationRow row, CheckResult result, bool changed) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = time.GetUtcNow(),
        CitationId = row.Id,
        SnapshotId = row.SnapshotId,
        Verified = result.Verified,
        Changed = changed,
        Detail = result.Detail,
        ActorSubject = callers.Current.Subject,
        ActorName = callers.Current.Name,
    };

    private async Task<SnapshotText?> FetchAsync(string snapshotId, bool includeText, CancellationToken ct)
    {
        try
        {
            var response = await ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = snapshotId, IncludeText = includeText },
                deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
            return new SnapshotText(response.Snapshot, response.Source, response.Text);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            throw Error(StatusCode.Unavailable,
                $"Could not read snapshot {snapshotId} from the ingestion service ({ex.StatusCode}: {ex.Status.Detail}); try again when it is up.");
        }
    }

    private async Task<string?> NewestSnapshotAsync(string sourceId, CancellationToken ct)
    {
        try
        {
            var page = await ingestion.ListSnapshotsAsync(new ListSnapshotsRequest { SourceId = sourceId, PageSize = 1 },
                deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
            return page.Snapshots.Count > 0 ? page.Snapshots[0].Id : null;
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            throw Error(StatusCode.Unavailable,
                $"Could not list snapshots of source '{sourceId}' from the ingestion service ({ex.StatusCode}: {ex.Status.Detail}); try again when it is up.");
        }
    }

    private static RpcException Error(StatusCode code, string message) => new(new Status(code, message));

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Verified {Verified} of {Checked} pending citations of {SourceId} against snapshot {SnapshotId}")]
    private static partial void LogVerified(ILogger logger, int verified, int @checked, string sourceId, string snapshotId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot {SnapshotId} of {SourceId} is not stored by ingestion; nothing to verify")]
    private static partial void LogSnapshotGone(ILogger logger, string snapshotId, string sourceId);
}
