using System.Data.Common;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Messaging.Outbox;
using Tally.Storage;

namespace Tally.Citations.Storage;

/// <summary>One citation record with its latest verification.</summary>
internal sealed class CitationRow
{
    public string Id { get; set; } = "";
    public string Origin { get; set; } = "";
    public string SourceId { get; set; } = "";
    /// <summary>The snapshot the latest verification ran against; empty until one did.</summary>
    public string SnapshotId { get; set; } = "";
    /// <summary>1: quoted from exactly that snapshot (CreateCitation). 0: a catalog citation that follows its source until verified.</summary>
    public long Pinned { get; set; }
    public string Fragment { get; set; } = "";
    public byte[] Locator { get; set; } = [];
    public long Verified { get; set; }
    public long Outcome { get; set; }
    public string Detail { get; set; } = "";
    public long? CheckedAt { get; set; }
    /// <summary>Retrieved date ("YYYY-MM-DD") of the snapshot the citation was verified against; empty before.</summary>
    public string Accessed { get; set; } = "";
    public string Link { get; set; } = "";
    public long CreatedAt { get; set; }

    public Citation ToProto()
    {
        var citation = new Citation
        {
            Id = Id,
            SnapshotId = SnapshotId,
            SourceId = SourceId,
            Locator = Common.V1.Locator.Parser.ParseFrom(Locator),
            Fragment = Fragment,
            Verified = Verified == 1,
            Link = Link,
            CreatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt)),
        };
        if (CheckedAt is { } at)
        {
            citation.Verification = new Verification
            {
                Outcome = (Verification.Types.Outcome)Outcome,
                Detail = Detail,
                CheckedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(at)),
            };
        }

        return citation;
    }
}

/// <summary>One verification outcome of a citation against one snapshot.</summary>
internal sealed record CitationCheck(string CitationId, string SnapshotId, long Outcome, string Detail, long CharStart, long CharEnd, long CheckedAt);

/// <summary>
/// Citation records and their per-snapshot checks. A check's CitationVerified goes into the service's outbox in the
/// transaction that records the check, so the event exists exactly when the check does.
/// </summary>
internal sealed class CitationStore(ServiceDatabase db, TransactionalOutbox outbox)
{
    public const string CatalogOrigin = "catalog";
    public const string CreatedOrigin = "created";

    private const string Columns =
        "id AS Id, origin AS Origin, source_id AS SourceId, snapshot_id AS SnapshotId, pinned AS Pinned, fragment AS Fragment, locator AS Locator, " +
        "verified AS Verified, outcome AS Outcome, detail AS Detail, checked_at AS CheckedAt, accessed AS Accessed, link AS Link, created_at AS CreatedAt";

    private const string Insert =
        """
        INSERT INTO citations (id, origin, source_id, snapshot_id, pinned, fragment, locator, verified, outcome, detail, checked_at, accessed, link, created_at)
        VALUES (@Id, @Origin, @SourceId, @SnapshotId, @Pinned, @Fragment, @Locator, @Verified, @Outcome, @Detail, @CheckedAt, @Accessed, @Link, @CreatedAt)
        ON CONFLICT (id) DO NOTHING
        """;

    public async Task<CitationRow?> FindAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<CitationRow>(new CommandDefinition(
            $"SELECT {Columns} FROM citations WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>Ids starting like <paramref name="prefix"/>, for NOT_FOUND messages.</summary>
    public async Task<IReadOnlyList<string>> IdsLikeAsync(string prefix, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var head = prefix.Length > 8 ? prefix[..8] : prefix;
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM citations WHERE id LIKE @p ORDER BY id LIMIT 200",
            new { p = head.Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal) + "%" }, cancellationToken: ct))).AsList();
    }

    /// <summary>Stores citations that are not stored yet (existing ones keep their verification). Returns how many were new.</summary>
    public async Task<int> InsertManyAsync(IEnumerable<CitationRow> rows, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var inserted = 0;
        foreach (var row in rows)
        {
            inserted += await connection.ExecuteAsync(new CommandDefinition(Insert, row, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return inserted;
    }

    /// <summary>
    /// Stores a citation with its first check and its event; false when one with the same id exists (nothing written,
    /// no event).
    /// </summary>
    public async Task<bool> InsertAsync(CitationRow row, CitationCheck? check, CitationVerified? verified, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await connection.ExecuteAsync(new CommandDefinition(Insert, row, tx, cancellationToken: ct)) == 0)
        {
            return false;
        }

        if (check is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertCheck(replace: true), check, tx, cancellationToken: ct));
        }

        await CommitAsync(tx, verified, ct);
        return true;
    }

    /// <summary>
    /// Catalog citations of a source still waiting for a verification, that were never checked against
    /// <paramref name="snapshotId"/> (so a redelivered event finds nothing left to do).
    /// </summary>
    public async Task<IReadOnlyList<CitationRow>> PendingAsync(string sourceId, string snapshotId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<CitationRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM citations c
            WHERE c.source_id = @sourceId AND c.pinned = 0 AND c.verified = 0
              AND NOT EXISTS (SELECT 1 FROM citation_checks k WHERE k.citation_id = c.id AND k.snapshot_id = @snapshotId)
            ORDER BY c.id
            """, new { sourceId, snapshotId }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Records a check, makes it the citation's latest verification and adds <paramref name="verified"/> to the outbox.
    /// With <paramref name="onlyIfNew"/>, nothing is written (and no event) when this (citation, snapshot) was checked
    /// before, and false is returned.
    /// </summary>
    public async Task<bool> RecordAsync(CitationRow updated, CitationCheck? check, bool onlyIfNew, CitationVerified? verified, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (check is not null && await connection.ExecuteAsync(new CommandDefinition(InsertCheck(replace: !onlyIfNew), check, tx, cancellationToken: ct)) == 0)
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE citations SET snapshot_id = @SnapshotId, locator = @Locator, verified = @Verified, outcome = @Outcome, detail = @Detail,
                checked_at = @CheckedAt, accessed = @Accessed, link = @Link
            WHERE id = @Id
            """, updated, tx, cancellationToken: ct));
        await CommitAsync(tx, verified, ct);
        return true;
    }

    /// <summary>Every check of a citation, oldest first.</summary>
    public async Task<IReadOnlyList<CitationCheck>> ChecksAsync(string citationId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<CitationCheck>(new CommandDefinition(
            "SELECT citation_id AS CitationId, snapshot_id AS SnapshotId, outcome AS Outcome, detail AS Detail, char_start AS CharStart, char_end AS CharEnd, checked_at AS CheckedAt " +
            "FROM citation_checks WHERE citation_id = @citationId ORDER BY checked_at, snapshot_id",
            new { citationId }, cancellationToken: ct))).AsList();
    }

    public static byte[] Serialize(Locator locator) => locator.ToByteArray();

    private async Task CommitAsync(DbTransaction tx, CitationVerified? verified, CancellationToken ct)
    {
        if (verified is null)
        {
            await tx.CommitAsync(ct);
            return;
        }

        await outbox.AddAsync(tx, verified, ct);
        await outbox.CommitAsync(tx, ct);
    }

    private static string InsertCheck(bool replace) =>
        """
        INSERT INTO citation_checks (citation_id, snapshot_id, outcome, detail, char_start, char_end, checked_at)
        VALUES (@CitationId, @SnapshotId, @Outcome, @Detail, @CharStart, @CharEnd, @CheckedAt)
        """ + (replace
            ? " ON CONFLICT (citation_id, snapshot_id) DO UPDATE SET outcome = excluded.outcome, detail = excluded.detail, char_start = excluded.char_start, char_end = excluded.char_end, checked_at = excluded.checked_at"
            : " ON CONFLICT (citation_id, snapshot_id) DO NOTHING");
}
