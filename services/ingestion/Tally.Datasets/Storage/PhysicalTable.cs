using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
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
        await connection.ExecuteAsync($"CREATE INDEX IF NOT EXISTS {Q("ix_" + Name[3..Math.Min(Name.Length, 56)] + "_f")} ON {Quoted} ({Q(FilingColumn)})");
    }
}
