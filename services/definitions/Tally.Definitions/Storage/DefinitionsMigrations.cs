using Tally.Storage;

namespace Tally.Definitions.Storage;

/// <summary>
/// Schema of the definitions service (owner "definitions"): every version of every metric (the full definition as
/// proto JSON, its content hash, who wrote it and whether it came from the catalog or the API), the relations and
/// glossary as last imported, and a change log whose highest id is the registry's catalog version; since
/// version 2 also the API keys and the audit trail (see Access/).
/// </summary>
public static class DefinitionsMigrations
{
    public const string Owner = "definitions";

    private const string Common = """
        CREATE TABLE metric_versions (
            metric_id      TEXT    NOT NULL,
            version        INTEGER NOT NULL,
            definition     TEXT    NOT NULL,
            content_hash   TEXT    NOT NULL,
            created_at     TEXT    NOT NULL,
            created_by     TEXT    NOT NULL,
            origin         TEXT    NOT NULL CHECK (origin IN ('catalog', 'api')),
            change_note    TEXT    NOT NULL DEFAULT '',
            change_id      BIGINT  NOT NULL,
            PRIMARY KEY (metric_id, version)
        );
        CREATE TABLE relations (
            from_metric_id TEXT NOT NULL,
            to_metric_id   TEXT NOT NULL,
            type           TEXT NOT NULL,
            reason         TEXT NOT NULL,
            caveat         TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (from_metric_id, to_metric_id, type)
        );
        CREATE TABLE glossary_entries (
            term         TEXT NOT NULL,
            kind         TEXT NOT NULL,
            concept      TEXT NOT NULL,
            alternatives TEXT NOT NULL DEFAULT '',
            notes        TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (term, kind)
        );
        CREATE TABLE registry_state (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """;

    public static IReadOnlyList<Migration> All { get; } =
    [
        new Migration(1, "metric versions, relations, glossary, change log",
            Common + """
                CREATE TABLE registry_changes (
                    id         INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind       TEXT NOT NULL,
                    subject    TEXT NOT NULL,
                    detail     TEXT NOT NULL,
                    changed_at TEXT NOT NULL,
                    changed_by TEXT NOT NULL
                );
                """,
            Common + """
                CREATE TABLE registry_changes (
                    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    kind       TEXT NOT NULL,
                    subject    TEXT NOT NULL,
                    detail     TEXT NOT NULL,
                    changed_at TEXT NOT NULL,
                    changed_by TEXT NOT NULL
                );
                """),
        new Migration(2, "API keys and the audit trail", AccessTables("INTEGER PRIMARY KEY AUTOINCREMENT"), AccessTables("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")),
    ];

    /// <summary>Keys (only the secret's SHA-256) and the append-only audit trail; times in Unix milliseconds.</summary>
    private static string AccessTables(string identity) => $"""
        CREATE TABLE api_keys (
            key_id      TEXT   PRIMARY KEY,
            name        TEXT   NOT NULL,
            role        TEXT   NOT NULL,
            secret_hash TEXT   NOT NULL,
            created_at  BIGINT NOT NULL,
            created_by  TEXT   NOT NULL,
            expires_at  BIGINT NULL,
            revoked_at  BIGINT NULL,
            revoked_by  TEXT   NOT NULL DEFAULT ''
        );
        CREATE TABLE audit_entries (
            id            {identity},
            event_id      TEXT   NOT NULL UNIQUE,
            occurred_at   BIGINT NOT NULL,
            actor_subject TEXT   NOT NULL,
            actor_name    TEXT   NOT NULL,
            action        TEXT   NOT NULL,
            target_kind   TEXT   NOT NULL,
            target_id     TEXT   NOT NULL,
            before_state  TEXT   NOT NULL,
            after_state   TEXT   NOT NULL,
            detail        TEXT   NOT NULL,
            service       TEXT   NOT NULL
        );
        CREATE INDEX audit_entries_target ON audit_entries (target_kind, target_id, id);
        """;
}
