using System.Globalization;
using System.Text;
using Dapper;

namespace Tally.Datasets.Tests;

/// <summary>
/// What the staging writers put in the table is what the file said, typed: SQLite binds by position through
/// e_sqlite3 directly and PostgreSQL gets COPY's binary tuples written by hand, so every kind of value is read back.
/// </summary>
public sealed class StagingRoundTripTests
{
    private const string Spec = """
        dataset: roundtrip
        tables:
          - name: cells
            files: ["*.csv"]
            format: csv
            columns:
              - {name: label, type: string, required: true}
              - {name: note, type: string}
              - {name: count, type: int}
              - {name: share, type: decimal}
              - {name: day, type: date, formats: ["yyyy-MM-dd'T'HH:mm:ss", "dd/MM/yyyy"]}
            key: [label]
        """;

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task EveryKindOfValue_IsStoredAsWritten(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var longCell = string.Concat(Enumerable.Repeat("Zürich—東京 ", 9000)); // ~100 KiB of UTF-8: past the COPY buffer
        var csv = new StringBuilder("label,note,count,share,day\n")
            .Append("a,plain,0,0.1,2024-02-29T23:59:59\n")
            .Append("b,\"tab\there, \"\"quoted\"\"\nand a newline\",-9223372036854775808,-2.5E-07,31/12/1999\n")
            .Append("c,,9223372036854775807,1E+300,\n")
            .Append("d,\\N \\\\ backslashes,\"1,234\",-0,2024-01-01T00:00:00\n")
            .Append(CultureInfo.InvariantCulture, $"e,{longCell},,,\n")
            .ToString();

        var summary = await db.Engine.LoadAsync(
            new DatasetUpload { DatasetName = "roundtrip", FileName = "cells.csv", SpecYaml = Spec }, new MemoryStream(Encoding.UTF8.GetBytes(csv)));

        Assert.Equal(5, summary.RowsStored);
        Assert.Equal(0, summary.RowsQuarantined);
        await using var connection = await db.Database.OpenAsync();
        var rows = (await connection.QueryAsync<(long Row, string? Sheet, string Label, string? Note, long? Count, double? Share, string? Day)>(
            "SELECT \"_row\", \"_sheet\", label, note, \"count\", share, \"day\" FROM \"dt_roundtrip__cells\" ORDER BY \"_row\"")).ToList();
        Assert.Equal([2L, 3, 5, 6, 7], rows.Select(r => r.Row)); // row b spans two lines
        Assert.All(rows, r => Assert.Null(r.Sheet));
        Assert.Equal(["a", "b", "c", "d", "e"], rows.Select(r => r.Label));
        Assert.Equal(["plain", "tab\there, \"quoted\"\nand a newline", null, "\\N \\\\ backslashes", longCell.Trim()], rows.Select(r => r.Note));
        Assert.Equal([0L, long.MinValue, long.MaxValue, 1234L, null], rows.Select(r => r.Count));
        Assert.Equal([0.1, -2.5e-7, 1e300, 0.0, null], rows.Select(r => r.Share));
        Assert.Equal(["2024-02-29", "1999-12-31", null, "2024-01-01", null], rows.Select(r => r.Day));
    }
}
