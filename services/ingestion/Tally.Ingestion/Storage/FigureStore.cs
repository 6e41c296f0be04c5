using System.Data.Common;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Tally.Common.V1;
using Tally.Storage;

namespace Tally.Ingestion.Storage;

/// <summary>Filters of <see cref="FigureStore.ListAsync"/>; empty strings match everything.</summary>
internal sealed record FigureFilter(string MetricId, string SourceId, string SnapshotId, ReviewState ReviewState);

/// <summary>
/// Figures in the ingestion database: the catalog's published figures (origin "catalog", REVIEWED) and candidates
/// extracted from snapshots (origin "extracted", UNREVIEWED). Filter columns sit next to the protobuf bytes.
/// </summary>
internal sealed class FigureStore(ServiceDatabase db)
{
    public const string CatalogOrigin = "catalog";
    public const string ExtractedOrigin = "extracted";

    /// <summary>
    /// Makes the stored catalog figures exactly <paramref name="figures"/>: inserts new ones, rewrites changed ones
    /// (keeping when each was first recorded and the snapshots already found to hold their citations), removes
    /// those no longer in the catalog. Returns how many are stored.
    /// </summary>
    public async Task<int> ReplaceCatalogFiguresAsync(IReadOnlyList<Figure> figures, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var stored = (await connection.QueryAsync<(string Id, long RecordedAt, byte[] Figure)>(new CommandDefinition(
                "SELECT id, recorded_at, figure FROM figures WHERE origin = @CatalogOrigin", new { CatalogOrigin }, tx, cancellationToken: ct)))
            .ToDictionary(r => r.Id, r => (r.RecordedAt, Figure: Figure.Parser.ParseFrom(r.Figure)), StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var figure in figures)
        {
            var at = now;
            if (stored.TryGetValue(figure.Id, out var previous))
            {
                at = previous.RecordedAt;
                figure.SnapshotId = previous.Figure.SnapshotId;
                var snapshots = previous.Figure.Citations.Where(c => c.SnapshotId.Length > 0)
                    .GroupBy(c => c.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().SnapshotId, StringComparer.Ordinal);
                foreach (var citation in figure.Citations)
                {
                    citation.SnapshotId = snapshots.GetValueOrDefault(citation.Id, "");
                }
            }

            figure.RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(at));
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO figures (id, origin, metric_id, source_id, snapshot_id, review_state, period_start, recorded_at, figure)
                VALUES (@Id, @Origin, @MetricId, @SourceId, @SnapshotId, @ReviewState, @PeriodStart, @RecordedAt, @Figure)
                ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, metric_id = excluded.metric_id, source_id = excluded.source_id,
                    snapshot_id = excluded.snapshot_id, review_state = excluded.review_state, period_start = excluded.period_start,
                    figure = excluded.figure
                """, Row(figure, CatalogOrigin, at), tx, cancellationToken: ct));
        }

        var keep = figures.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in stored.Keys.Where(id => !keep.Contains(id)))
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM figures WHERE id = @stale", new { stale }, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return figures.Count;
    }

    /// <summary>Stores extracted figures; ids are deterministic, so figures already stored are skipped. Returns how many were new.</summary>
    public async Task<int> InsertExtractedAsync(IReadOnlyList<Figure> figures, CancellationToken ct)
    {
        if (figures.Count == 0)
        {
            return 0;
        }

        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var inserted = await InsertExtractedAsync(tx, figures, ct);
        await tx.CommitAsync(ct);
        return inserted;
    }

    /// <summary>As <see cref="InsertExtractedAsync(IReadOnlyList{Figure}, CancellationToken)"/>, inside the caller's transaction.</summary>
    public static async Task<int> InsertExtractedAsync(DbTransaction tx, IReadOnlyList<Figure> figures, CancellationToken ct)
    {
        var connection = tx.Connection!;
        var inserted = 0;
        foreach (var figure in figures)
        {
            inserted += await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO figures (id, origin, metric_id, source_id, snapshot_id, review_state, period_start, recorded_at, figure)
                VALUES (@Id, @Origin, @MetricId, @SourceId, @SnapshotId, @ReviewState, @PeriodStart, @RecordedAt, @Figure)
                ON CONFLICT (id) DO NOTHING
                """, Row(figure, ExtractedOrigin, figure.RecordedAt.ToDateTimeOffset().ToUnixTimeMilliseconds()), tx, cancellationToken: ct));
        }

        return inserted;
    }

    /// <summary>
    /// Points catalog figures of a source at <paramref name="snapshotId"/> when the snapshot's text holds at least one of
    /// their citations (<paramref name="foundCitationIds"/>); those citations get the snapshot id too. Figures already
    /// pointing at a snapshot keep it: a newer snapshot never rewrites an older one.
    /// </summary>
    public async Task<int> AttachCatalogFiguresAsync(string sourceId, string snapshotId, IReadOnlySet<string> foundCitationIds, CancellationToken ct)
    {
        if (foundCitationIds.Count == 0)
        {
            return 0;
        }

        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var attached = await AttachCatalogFiguresAsync(tx, sourceId, snapshotId, foundCitationIds, ct);
        await tx.CommitAsync(ct);
        return attached.Count;
    }

    /// <summary>
    /// As <see cref="AttachCatalogFiguresAsync(string, string, IReadOnlySet{string}, CancellationToken)"/>, inside the
    /// caller's transaction; returns the metric of each figure it attached.
    /// </summary>
    public static async Task<IReadOnlyList<string>> AttachCatalogFiguresAsync(DbTransaction tx, string sourceId, string snapshotId, IReadOnlySet<string> foundCitationIds, CancellationToken ct)
    {
        if (foundCitationIds.Count == 0)
        {
            return [];
        }

        var connection = tx.Connection!;
        var rows = await connection.QueryAsync<(string Id, byte[] Figure)>(new CommandDefinition(
            "SELECT id, figure FROM figures WHERE origin = @CatalogOrigin AND source_id = @sourceId AND snapshot_id = ''",
            new { CatalogOrigin, sourceId }, tx, cancellationToken: ct));
        var attached = new List<string>();
        foreach (var (id, bytes) in rows)
        {
            var figure = Figure.Parser.ParseFrom(bytes);
            var found = figure.Citations.Where(c => c.SourceId == sourceId && c.SnapshotId.Length == 0 && foundCitationIds.Contains(c.Id)).ToList();
            if (found.Count == 0)
            {
                continue;
            }

            figure.SnapshotId = snapshotId;
            found.ForEach(c => c.SnapshotId = snapshotId);
            if (await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE figures SET snapshot_id = @snapshotId, figure = @bytes WHERE id = @id AND snapshot_id = ''",
                new { snapshotId, bytes = figure.ToByteArray(), id }, tx, cancellationToken: ct)) > 0)
            {
                attached.Add(figure.MetricId);
            }
        }

        return attached;
    }

    /// <summary>A page of figures ordered by metric id, period start, recorded_at (then id, for stable paging).</summary>
    public async Task<IReadOnlyList<Figure>> ListAsync(FigureFilter filter, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var bytes = await connection.QueryAsync<byte[]>(new CommandDefinition(
            """
            SELECT figure FROM figures
            WHERE (@MetricId = '' OR metric_id = @MetricId)
              AND (@SourceId = '' OR source_id = @SourceId)
              AND (@SnapshotId = '' OR snapshot_id = @SnapshotId)
              AND ((@State = 0 AND review_state <> @Rejected) OR review_state = @State)
            ORDER BY metric_id, period_start, recorded_at, id
            LIMIT @limit OFFSET @offset
            """,
            new
            {
                filter.MetricId,
                filter.SourceId,
                filter.SnapshotId,
                State = (long)filter.ReviewState,
                Rejected = (long)ReviewState.Rejected,
                limit,
                offset,
            }, cancellationToken: ct));
        return bytes.Select(b => Figure.Parser.ParseFrom(b)).ToList();
    }

    /// <summary>Number of figures extracted from a snapshot.</summary>
    public async Task<int> CountExtractedAsync(string snapshotId, CancellationToken ct)
    {
        await using DbConnection connection = await db.OpenAsync(ct);
        return (int)await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM figures WHERE origin = @ExtractedOrigin AND snapshot_id = @snapshotId",
            new { ExtractedOrigin, snapshotId }, cancellationToken: ct));
    }

    private static object Row(Figure figure, string origin, long recordedAt) => new
    {
        figure.Id,
        Origin = origin,
        figure.MetricId,
        figure.SourceId,
        figure.SnapshotId,
        ReviewState = (long)figure.ReviewState,
        PeriodStart = figure.Period?.StartDate ?? "",
        RecordedAt = recordedAt,
        Figure = figure.ToByteArray(),
    };
}
