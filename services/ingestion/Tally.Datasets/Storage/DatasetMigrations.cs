using Tally.Storage;

namespace Tally.Datasets.Storage;

/// <summary>
/// The dataset engine's catalog tables (its own ServiceDatabase, owner "datasets" by default). Rows of each
/// dataset table live in a physical table per dataset table (dt_*), created when a spec is first loaded.
/// Instants are Unix milliseconds; dates are ISO text.
/// </summary>
public static class DatasetMigrations
{
    private const string V1 = """
        CREATE TABLE ds_datasets (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NULL,
            source_id TEXT NULL,
            source_publisher TEXT NULL,
            source_title TEXT NULL,
            source_url TEXT NULL,
            spec_yaml TEXT NOT NULL,
            spec_origin TEXT NOT NULL,
            created_at {int} NOT NULL,
            updated_at {int} NOT NULL
        );
        CREATE TABLE ds_tables (
            dataset_id TEXT NOT NULL,
            name TEXT NOT NULL,
            physical_name TEXT NOT NULL UNIQUE,
            columns TEXT NOT NULL,
            PRIMARY KEY (dataset_id, name)
        );
        CREATE TABLE ds_loads (
            id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL,
            file_name TEXT NOT NULL,
            format TEXT NOT NULL,
            content_sha256 TEXT NOT NULL,
            snapshot_id TEXT NULL,
            byte_count {int} NOT NULL,
            rows_read {int} NOT NULL,
            rows_stored {int} NOT NULL,
            rows_quarantined {int} NOT NULL,
            blank_rows {int} NOT NULL,
            started_at {int} NOT NULL,
            completed_at {int} NOT NULL,
            summary TEXT NOT NULL
        );
        CREATE INDEX ix_ds_loads_sha ON ds_loads (dataset_id, content_sha256);
        CREATE TABLE ds_staging (
            load_id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL,
            physical_tables TEXT NOT NULL,
            filings TEXT NOT NULL,
            heartbeat_at {int} NOT NULL
        );
        CREATE TABLE ds_vintages (
            id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            label TEXT NOT NULL,
            vintage_date TEXT NULL,
            published_date TEXT NULL,
            filing_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            values_hash TEXT NOT NULL,
            fiscal_years TEXT NOT NULL,
            period_start TEXT NULL,
            period_end TEXT NULL,
            row_count {int} NOT NULL,
            suspect {int} NOT NULL,
            note TEXT NULL,
            load_id TEXT NOT NULL,
            created_at {int} NOT NULL,
            UNIQUE (dataset_id, table_name, label)
        );
        CREATE TABLE ds_filings (
            id TEXT PRIMARY KEY,
            vintage_id TEXT NOT NULL,
            dataset_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            load_id TEXT NOT NULL,
            file_name TEXT NOT NULL,
            published_date TEXT NULL,
            row_count {int} NOT NULL,
            content_hash TEXT NOT NULL,
            canonical {int} NOT NULL
        );
        CREATE INDEX ix_ds_filings_vintage ON ds_filings (vintage_id);
        CREATE TABLE ds_findings (
            id {serial},
            dataset_id TEXT NOT NULL,
            table_name TEXT NULL,
            vintage_id TEXT NULL,
            load_id TEXT NULL,
            scope TEXT NOT NULL,
            severity {int} NOT NULL,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            row_count {int} NOT NULL,
            example TEXT NULL
        );
        CREATE INDEX ix_ds_findings_vintage ON ds_findings (dataset_id, table_name, vintage_id);
        CREATE TABLE ds_quarantine (
            id {serial},
            dataset_id TEXT NOT NULL,
            table_name TEXT NULL,
            load_id TEXT NOT NULL,
            file_name TEXT NOT NULL,
            sheet TEXT NULL,
            row_number {int} NOT NULL,
            column_name TEXT NULL,
            code TEXT NOT NULL,
            reason TEXT NOT NULL,
            raw TEXT NOT NULL
        );
        CREATE INDEX ix_ds_quarantine_order ON ds_quarantine (dataset_id, load_id, sheet, row_number);
        CREATE TABLE ds_metrics (
            metric_key TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            spec TEXT NOT NULL,
            created_at {int} NOT NULL
        );
        CREATE TABLE ds_aggregates (
            metric_key TEXT NOT NULL,
            vintage_id TEXT NOT NULL,
            period {int} NOT NULL,
            dims TEXT NOT NULL,
            value {real} NULL,
            row_count {int} NOT NULL,
            PRIMARY KEY (metric_key, period, vintage_id, dims)
        );
        """;

    /// <summary>Owner (SQLite file name / PostgreSQL schema) the ingestion service should use for the engine's database.</summary>
    public const string DefaultOwner = "datasets";

    /// <summary>
    /// Page size of a new SQLite datasets database: 16 KiB rather than SQLite's 4 KiB. Dataset tables are bulk-loaded
    /// and scanned; with larger pages a load writes a quarter of the WAL frames and splits fewer B-tree pages (a 1M-row
    /// load stores about 10 % faster). A database created with another page size keeps it (VACUUM would change it).
    /// </summary>
    public const int SqlitePageSize = 16384;

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "datasets, vintages, filings, findings, quarantine, computed metric aggregates",
            V1.Replace("{int}", "INTEGER", StringComparison.Ordinal).Replace("{real}", "REAL", StringComparison.Ordinal)
                .Replace("{serial}", "INTEGER PRIMARY KEY", StringComparison.Ordinal),
            V1.Replace("{int}", "BIGINT", StringComparison.Ordinal).Replace("{real}", "DOUBLE PRECISION", StringComparison.Ordinal)
                .Replace("{serial}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", StringComparison.Ordinal)),
    ];
}
