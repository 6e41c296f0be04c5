using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using Tally.Datasets.Specs;
using Tally.Storage;

namespace Tally.Datasets.Storage;

/// <summary>
/// The physical table holding one dataset table's rows across all its vintages: provenance columns
/// (_filing, _sheet, _row) then the spec's columns. Rows are only visible through a vintage's canonical filing.
/// </summary>
internal sealed class PhysicalTable
{
    public const string FilingColumn = "_filing";
    public const string SheetColumn = "_sheet";
    public const string RowColumn = "_row";

    public PhysicalTable(string datasetName, TableSpec spec)
    {
        Spec = spec;
        Name = NameFor(datasetName, spec.Name);
    }

    public TableSpec Spec { get; }

    public string Name { get; }

    public string Quoted => Q(Name);

    /// <summary>"dt_ice_detention_stats__book_outs_by_reason"; long names are cut and suffixed with a hash (PostgreSQL allows 63 bytes).</summary>
    public static string NameFor(string dataset, string table)
    {
        var name = $"dt_{dataset.Replace('-', '_')}__{table}";
        if (name.Length <= 60)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return name[..51] + "_" + hash;
    }

    /// <summary>Quotes an identifier (names are validated snake_case, so quoting only guards reserved words like "date").</summary>
    public static string Q(string identifier) => "\"" + identifier + "\"";

    public static string SqlType(ColumnType type, SqlDialect dialect) => (type, dialect) switch
    {
        (ColumnType.Int, SqlDialect.Sqlite) => "INTEGER",
        (ColumnType.Int, _) => "BIGINT",
        (ColumnType.Decimal, SqlDialect.Sqlite) => "REAL",
        (ColumnType.Decimal, _) => "DOUBLE PRECISION",
        _ => "TEXT",
    };

    /// <summary>Column signature stored in ds_tables; a later spec must keep it to load into the same table.</summary>
    public string Signature => string.Join(",", Spec.Columns.Select(c => $"{c.Name}:{c.Type.ToString().ToLowerInvariant()}"));

    public async Task EnsureCreatedAsync(DbConnection connection, SqlDialect dialect)
    {
        var columns = string.Join(", ", Spec.Columns.Select(c => $"{Q(c.Name)} {SqlType(c.Type, dialect)} NULL"));
        var bigint = dialect == SqlDialect.Sqlite ? "INTEGER" : "BIGINT";
        await connection.ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS {Quoted} ({Q(FilingColumn)} TEXT NOT NULL, {Q(SheetColumn)} TEXT NULL, {Q(RowColumn)} {bigint} NOT NULL, {columns})");
        // CREATE INDEX takes a SHARE lock on the table even when the index exists, which waits for every other load's
        // COPY into it and for a VACUUM or ANALYZE of it; so it only runs when the index is missing.
        var exists = dialect == SqlDialect.Postgres
            ? await connection.ExecuteScalarAsync<bool>("SELECT to_regclass(@Name) IS NOT NULL", new { Name = Q(FilingIndexName) })
            : await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = @Name", new { Name = FilingIndexName }) > 0;
        if (!exists)
        {
            await connection.ExecuteAsync($"CREATE INDEX IF NOT EXISTS {Q(FilingIndexName)} ON {Quoted} {FilingIndexMethod(dialect)}");
        }
    }

    /// <summary>The index that finds a filing's rows.</summary>
    public string FilingIndexName => "ix_" + Name[3..Math.Min(Name.Length, 56)] + "_f";

    /// <summary>
    /// How <see cref="FilingIndexName"/> indexes the filing column. PostgreSQL: a BRIN index, which keeps the smallest and
    /// largest filing id of each run of <see cref="BrinPagesPerRange"/> heap pages. A load appends its rows together and
    /// filing ids grow with time (UUIDv7 prefixes), so a range usually holds one filing and a query for a vintage reads
    /// only its ranges. Unlike a B-tree it costs almost nothing per stored row: a B-tree entry per row was a quarter of
    /// the server's work in a load. Ranges written since the last VACUUM are not yet summarised and are read by every
    /// query until autovacuum summarises them (slower, never wrong). Tables made before this keep their B-tree (same
    /// name: an existing index is left as it is). SQLite has no BRIN and keeps a B-tree.
    /// </summary>
    public static string FilingIndexMethod(SqlDialect dialect) => dialect == SqlDialect.Postgres
        ? $"USING brin ({Q(FilingColumn)}) WITH (pages_per_range = {BrinPagesPerRange})"
        : $"({Q(FilingColumn)})";

    /// <summary>
    /// PostgreSQL: refreshes the planner's statistics of the filing column after a load staged rows. Until autovacuum
    /// analyses a table, the planner guesses that a filing matches almost no rows; right after a 10M-row load it then
    /// gathered every matching row to one process instead of counting in parallel workers (1.86 s instead of 1.40 s for
    /// one computed metric). Sampling 3,000 rows (statistics target 10) for this one column takes tens of milliseconds at
    /// 10M rows; autovacuum's full ANALYZE replaces it later. SQLite keeps no such statistics unless asked.
    /// The statistics only help: a table another session is analysing or vacuuming (ANALYZE waits for it, and an
    /// anti-wraparound VACUUM is not cancelled for it) is skipped after <see cref="AnalyzeLockTimeout"/>, not waited for.
    /// </summary>
    public static async Task AnalyzeFilingsAsync(ServiceDatabase db, IEnumerable<PhysicalTable> tables, CancellationToken cancellationToken)
    {
        if (db.Dialect != SqlDialect.Postgres)
        {
            return;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        foreach (var table in tables)
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                $"SET LOCAL default_statistics_target = 10; SET LOCAL lock_timeout = '{(int)AnalyzeLockTimeout.TotalMilliseconds}ms'",
                transaction: tx, cancellationToken: cancellationToken));
            try
            {
                await connection.ExecuteAsync(new CommandDefinition($"ANALYZE {table.Quoted} ({Q(FilingColumn)})", transaction: tx, cancellationToken: cancellationToken));
                await tx.CommitAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                await tx.RollbackAsync(cancellationToken); // autovacuum will analyse it
            }
        }
    }

    /// <summary>Longest wait for the lock ANALYZE needs after a load (2 s).</summary>
    public static readonly TimeSpan AnalyzeLockTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Heap pages per BRIN range: 32 pages (256 KiB) keep small vintages' ranges apart without a large index.</summary>
    public const int BrinPagesPerRange = 32;
}
