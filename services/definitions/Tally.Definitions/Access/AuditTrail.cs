using System.Data.Common;
using Dapper;
using Tally.Contracts.Events;

namespace Tally.Definitions.Access;

/// <summary>One audit row before it is stored (see tally.access.v1.AuditEntry for the fields).</summary>
public sealed record AuditRecord(
    Guid EventId, DateTimeOffset OccurredAt, string ActorSubject, string ActorName, string Action, string TargetKind, string TargetId,
    string Before, string After, string Detail, string Service);

/// <summary>A stored audit row.</summary>
public sealed record AuditRow(long Id, long OccurredAt, string ActorSubject, string ActorName, string Action, string TargetKind, string TargetId,
    string Before, string After, string Detail, string Service);

/// <summary>Filters of ListAuditEntries, combined with AND; null or empty = no filter.</summary>
public sealed record AuditFilter(string? TargetKind = null, string? TargetId = null, string? Actor = null, DateTimeOffset? Since = null, long? BeforeId = null);

/// <summary>
/// The audit trail (table <c>audit_entries</c> of the definitions database): append-only, one row per change, keyed by
/// the id of the event that announced it so that a redelivered event adds nothing. The definitions service appends
/// its own changes in the transaction that makes them; changes made by ingestion and citations arrive as their
/// outbox events (so a committed change always reaches the trail) and are appended by the consumers.
/// </summary>
public static class AuditTrail
{
    /// <summary>Appends <paramref name="record"/> inside <paramref name="tx"/>; false when its event was recorded before.</summary>
    public static async Task<bool> AppendAsync(DbConnection connection, DbTransaction? tx, AuditRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(record);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO audit_entries (event_id, occurred_at, actor_subject, actor_name, action, target_kind, target_id, before_state, after_state, detail, service)
            VALUES (@EventId, @OccurredAt, @ActorSubject, @ActorName, @Action, @TargetKind, @TargetId, @Before, @After, @Detail, @Service)
            ON CONFLICT (event_id) DO NOTHING
            """,
            new
            {
                EventId = record.EventId.ToString("D"),
                OccurredAt = record.OccurredAt.ToUnixTimeMilliseconds(),
                record.ActorSubject,
                record.ActorName,
                record.Action,
                record.TargetKind,
                record.TargetId,
                record.Before,
                record.After,
                Detail = Clip(record.Detail, 2000),
                record.Service,
            }, tx, cancellationToken: ct)) == 1;
    }

    /// <summary>Up to <paramref name="limit"/> rows matching <paramref name="filter"/>, newest first.</summary>
    public static async Task<IReadOnlyList<AuditRow>> ListAsync(DbConnection connection, AuditFilter filter, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(filter);
        var where = new List<string>();
        if (!string.IsNullOrEmpty(filter.TargetKind)) where.Add("target_kind = @TargetKind");
        if (!string.IsNullOrEmpty(filter.TargetId)) where.Add("target_id = @TargetId");
        if (!string.IsNullOrEmpty(filter.Actor)) where.Add("(actor_subject = @Actor OR actor_name = @Actor)");
        if (filter.Since is not null) where.Add("occurred_at >= @SinceMs");
        if (filter.BeforeId is not null) where.Add("id < @BeforeId");
        var sql = "SELECT id AS Id, occurred_at AS OccurredAt, actor_subject AS ActorSubject, actor_name AS ActorName, action AS Action, " +
                  "target_kind AS TargetKind, target_id AS TargetId, before_state AS Before, after_state AS After, detail AS Detail, service AS Service " +
                  "FROM audit_entries" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY id DESC LIMIT @Limit";
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(sql,
            new { filter.TargetKind, filter.TargetId, filter.Actor, SinceMs = filter.Since?.ToUnixTimeMilliseconds(), filter.BeforeId, Limit = limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

/// <summary>How each bus event reads as an audit record.</summary>
public static class AuditRecords
{
    public static AuditRecord From(MetricDefinitionChanged e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.EventId, e.OccurredAt, Or(e.ActorSubject, e.ChangedBy), Or(e.ChangedBy, e.ActorSubject),
            e.PreviousVersion == 0 ? "metric.created" : "metric.changed", "metric", e.MetricId,
            e.PreviousVersion == 0 ? "" : $"v{e.PreviousVersion}", $"v{e.Version}", e.ChangeNote, "definitions");
    }

    public static AuditRecord From(SourceIngested e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.EventId, e.OccurredAt, Or(e.ActorSubject, "unknown"), Or(e.ActorName, e.ActorSubject), "source.ingested", "source", e.SourceId,
            e.PreviousSnapshotId, e.SnapshotId, $"{e.MediaType} sha256:{e.ContentSha256[..Math.Min(12, e.ContentSha256.Length)]}" +
            (e.Vintage.Length > 0 ? $", vintage {e.Vintage}" : ""), "ingestion");
    }

    public static AuditRecord From(DatasetLoaded e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.EventId, e.OccurredAt, Or(e.ActorSubject, "unknown"), Or(e.ActorName, e.ActorSubject), "dataset.loaded", "dataset", e.DatasetId,
            "", e.SnapshotId, $"{e.DatasetName}: {e.RowsStored:N0} rows stored, {e.RowsQuarantined:N0} quarantined; " + Vintages(e.Vintages),
            "ingestion");
    }

    public static AuditRecord From(CitationVerified e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.EventId, e.OccurredAt, Or(e.ActorSubject, "unknown"), Or(e.ActorName, e.ActorSubject), "citation.verified", "citation", e.CitationId,
            "", e.Verified ? "verified" : "not found in snapshot", e.Detail, "citations");
    }

    private static string Vintages(IReadOnlyList<string> vintages) => vintages.Count switch
    {
        0 => "no vintages",
        1 => $"vintage {vintages[0]}",
        <= 3 => $"vintages {string.Join(", ", vintages)}",
        _ => $"{vintages.Count} vintages, {vintages.Min(StringComparer.Ordinal)} to {vintages.Max(StringComparer.Ordinal)}",
    };

    private static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;
}
