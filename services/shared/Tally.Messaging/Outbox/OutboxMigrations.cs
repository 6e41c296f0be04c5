using Tally.Storage;

namespace Tally.Messaging.Outbox;

/// <summary>
/// The bus tables every owning service keeps in its own database (SQLite file or PostgreSQL schema), numbered in a
/// history table of their own (<see cref="HistoryTable"/>) so they never collide with the owner's migrations:
/// <c>bus_outbox</c> (events committed with their state change, until the relay has published them) and
/// <c>bus_consumed</c> (message ids a consumer has handled, for consumers whose effect is not idempotent by itself).
/// </summary>
public static class OutboxMigrations
{
    public const string HistoryTable = "bus_schema_history";

    private const string V1 = """
        CREATE TABLE bus_outbox (
            id {id},
            message_id TEXT NOT NULL,
            message_type TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at {int} NOT NULL,
            attempts {int} NOT NULL DEFAULT 0,
            last_error TEXT NULL,
            sent_at {int} NULL,
            failed_at {int} NULL
        );
        CREATE INDEX ix_bus_outbox_pending ON bus_outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL;
        CREATE INDEX ix_bus_outbox_sent ON bus_outbox (sent_at) WHERE sent_at IS NOT NULL;
        CREATE TABLE bus_consumed (
            consumer TEXT NOT NULL,
            message_id TEXT NOT NULL,
            consumed_at {int} NOT NULL,
            PRIMARY KEY (consumer, message_id)
        );
        """;

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "bus outbox and consumed message ids",
            V1.Replace("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal).Replace("{int}", "INTEGER", StringComparison.Ordinal),
            V1.Replace("{id}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", StringComparison.Ordinal).Replace("{int}", "BIGINT", StringComparison.Ordinal)),
    ];

    /// <summary>Creates or updates the bus tables in <paramref name="database"/>; returns how many migrations ran.</summary>
    public static Task<int> ApplyAsync(ServiceDatabase database, CancellationToken cancellationToken = default) =>
        Migrator.ApplyAsync(database, All, HistoryTable, cancellationToken);
}
