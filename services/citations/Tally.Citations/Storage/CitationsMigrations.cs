using Tally.Storage;

namespace Tally.Citations.Storage;

/// <summary>
/// The citation service's schema. A citation row holds its latest verification; <c>citation_checks</c> keeps one
/// outcome per (citation, snapshot), so a check against a newer snapshot never overwrites the record of an older one.
/// Instants are Unix milliseconds; sources and locators are stored as protobuf bytes.
/// </summary>
internal static class CitationsMigrations
{
    private const string V1 = """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            url_key TEXT NOT NULL,
            kind {int} NOT NULL,
            publisher TEXT NOT NULL,
            origin TEXT NOT NULL,
            source {blob} NOT NULL
        );
        CREATE INDEX ix_sources_url ON sources (url_key);
        CREATE TABLE citations (
            id TEXT PRIMARY KEY,
            origin TEXT NOT NULL,
            source_id TEXT NOT NULL,
            snapshot_id TEXT NOT NULL,
            pinned {int} NOT NULL,
            fragment TEXT NOT NULL,
            locator {blob} NOT NULL,
            verified {int} NOT NULL,
            outcome {int} NOT NULL,
            detail TEXT NOT NULL,
            checked_at {int} NULL,
            accessed TEXT NOT NULL,
            link TEXT NOT NULL,
            created_at {int} NOT NULL
        );
        CREATE INDEX ix_citations_source ON citations (source_id, verified);
        CREATE TABLE citation_checks (
            citation_id TEXT NOT NULL,
            snapshot_id TEXT NOT NULL,
            outcome {int} NOT NULL,
            detail TEXT NOT NULL,
            char_start {int} NOT NULL,
            char_end {int} NOT NULL,
            checked_at {int} NOT NULL,
            PRIMARY KEY (citation_id, snapshot_id)
        );
        """;

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "sources, citations and per-snapshot checks",
            V1.Replace("{int}", "INTEGER", StringComparison.Ordinal).Replace("{blob}", "BLOB", StringComparison.Ordinal),
            V1.Replace("{int}", "BIGINT", StringComparison.Ordinal).Replace("{blob}", "BYTEA", StringComparison.Ordinal)),
    ];
}
