using Tally.Storage;

namespace Tally.Ingestion.Storage;

/// <summary>The ingestion service's schema. Instants are Unix milliseconds; figures and sources are stored as protobuf bytes.</summary>
internal static class IngestionMigrations
{
    private const string V1 = """
        CREATE TABLE snapshots (
            id TEXT PRIMARY KEY,
            source_id TEXT NOT NULL,
            media_type TEXT NOT NULL,
            file_name TEXT NOT NULL,
            vintage TEXT NOT NULL,
            retrieved_at {int} NOT NULL,
            ingested_at {int} NOT NULL,
            byte_length {int} NOT NULL,
            text_length {int} NOT NULL,
            has_text {int} NOT NULL,
            title TEXT NULL,
            source {blob} NOT NULL,
            content {blob} NOT NULL,
            text TEXT NULL
        );
        CREATE INDEX ix_snapshots_source ON snapshots (source_id, retrieved_at, ingested_at);
        CREATE TABLE figures (
            id TEXT PRIMARY KEY,
            origin TEXT NOT NULL,
            metric_id TEXT NOT NULL,
            source_id TEXT NOT NULL,
            snapshot_id TEXT NOT NULL,
            review_state {int} NOT NULL,
            period_start TEXT NOT NULL,
            recorded_at {int} NOT NULL,
            figure {blob} NOT NULL
        );
        CREATE INDEX ix_figures_order ON figures (metric_id, period_start, recorded_at, id);
        CREATE INDEX ix_figures_snapshot ON figures (snapshot_id);
        CREATE INDEX ix_figures_source ON figures (source_id);
        """;

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "snapshots and figures",
            V1.Replace("{int}", "INTEGER", StringComparison.Ordinal).Replace("{blob}", "BLOB", StringComparison.Ordinal),
            V1.Replace("{int}", "BIGINT", StringComparison.Ordinal).Replace("{blob}", "BYTEA", StringComparison.Ordinal)),
    ];
}
