using System.Globalization;
using System.Text;
using Dapper;
using Tally.Storage;

namespace Tally.Datasets.Tests;

/// <summary>
/// The index that finds a vintage's rows: BRIN on PostgreSQL (a load appends a filing's rows together and filing ids
/// grow with time), a B-tree on SQLite. Every filing's rows are found through it, before and after VACUUM summarises
/// the ranges, and a table made by an earlier build keeps its B-tree.
/// </summary>
public sealed class FilingIndexTests
{
    private const string Spec = """
        dataset: filing-index
        tables:
          - name: rows
            files: ["*.csv"]
            format: csv
            columns:
              - {name: id, type: string, required: true}
              - {name: note, type: string}
              - {name: pull_date, type: date, required: true}
            vintage: {date: pull_date}
            key: [id]
        """;

    private const string Table = "dt_filing_index__rows";

    private static readonly string[] Pulls = ["2024-01-31", "2024-02-29", "2024-03-31"];

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task EveryVintagesRows_AreFoundThroughTheFilingIndex(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        foreach (var (pull, i) in Pulls.Select((p, i) => (p, i)))
        {
            await LoadAsync(db, pull, rows: 4000 + i * 1000); // ~0.5 MB each: several 256 KiB BRIN ranges per vintage
        }

        await using var connection = await db.Database.OpenAsync();
        var index = $"ix_{Table[3..]}_f";
        var method = db.Database.Dialect == SqlDialect.Postgres
            ? await connection.ExecuteScalarAsync<string>(
                "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = @Index AND c.relnamespace = to_regnamespace(current_schema())",
                new { Index = index })
            : await connection.ExecuteScalarAsync<string>("SELECT 'btree' FROM sqlite_master WHERE type = 'index' AND name = @Index", new { Index = index });
        Assert.Equal(db.Database.Dialect == SqlDialect.Postgres ? "brin" : "btree", method);

        await AssertEachFilingFoundAsync(db, index, Pulls.Length);
        if (db.Database.Dialect == SqlDialect.Postgres)
        {
            await connection.ExecuteAsync($"VACUUM \"{Table}\""); // summarises the ranges the loads appended
            await AssertEachFilingFoundAsync(db, index, Pulls.Length);
        }
    }

    [PostgresFact]
    public async Task APostgresTableMadeWithABtree_KeepsIt_AndStillLoads()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await LoadAsync(db, Pulls[0], rows: 50);
        var index = $"ix_{Table[3..]}_f";
        await using (var c = await db.Database.OpenAsync())
        {
            // What an earlier build made: a B-tree on the filing column, under the same name.
            await c.ExecuteAsync($"DROP INDEX \"{index}\"; CREATE INDEX \"{index}\" ON \"{Table}\" (\"_filing\")");
        }

        await LoadAsync(db, Pulls[1], rows: 60);

        await using var connection = await db.Database.OpenAsync();
        Assert.Equal("btree", await connection.ExecuteScalarAsync<string>(
            "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = @Index AND c.relnamespace = to_regnamespace(current_schema())",
            new { Index = index }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_indexes WHERE tablename = @Table AND schemaname = current_schema()", new { Table }));
        await AssertEachFilingFoundAsync(db, index, filingCount: 2);
    }

    [PostgresFact]
    public async Task APostgresLoad_LeavesThePlannerStatisticsOfTheFilingColumn()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await LoadAsync(db, Pulls[0], rows: 3000);

        await using var connection = await db.Database.OpenAsync();
        // Without them the planner takes a filing to match almost no rows until autovacuum analyses the table.
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = @Table AND attname = '_filing'", new { Table }));
        Assert.InRange(await connection.ExecuteScalarAsync<double>($"SELECT reltuples FROM pg_class WHERE oid = '\"{Table}\"'::regclass"), 2900, 3100);
        var plan = string.Join("\n", await connection.QueryAsync<string>(
            $"EXPLAIN SELECT count(*) FROM \"{Table}\" WHERE \"_filing\" = (SELECT id FROM ds_filings LIMIT 1)"));
        Assert.Matches(@"rows=(29\d\d|30\d\d)\b", plan); // the filing's rows are estimated, not guessed
    }

    [PostgresFact]
    public async Task ALoad_DoesNotWaitForAnotherSessionsVacuumOrAnalyze_OfItsTable()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await LoadAsync(db, Pulls[0], rows: 100);
        await using var holder = await db.Database.OpenAsync();
        await using var held = await holder.BeginTransactionAsync();
        // The lock VACUUM and ANALYZE take (an anti-wraparound autovacuum keeps it for as long as it runs).
        await holder.ExecuteAsync($"LOCK TABLE \"{Table}\" IN SHARE UPDATE EXCLUSIVE MODE", transaction: held);

        await LoadAsync(db, Pulls[1], rows: 120).WaitAsync(TimeSpan.FromSeconds(60)); // stores its rows; skips the statistics after 2 s

        await held.RollbackAsync();
        await AssertEachFilingFoundAsync(db, $"ix_{Table[3..]}_f", filingCount: 2);
    }

    private static async Task LoadAsync(TestDb db, string pull, int rows)
    {
        var csv = new StringBuilder("id,note,pull_date\n");
        for (var r = 0; r < rows; r++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"R{r:D6},{new string((char)('a' + r % 26), 80)},{pull}\n");
        }

        var summary = await db.Engine.LoadAsync(
            new DatasetUpload { DatasetName = "filing-index", FileName = $"rows-{pull}.csv", SpecYaml = Spec }, new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())));
        Assert.Equal(rows, summary.RowsStored);
    }

    /// <summary>Each filing's rows, counted through the index (PostgreSQL is kept off a sequential scan), match what its load stored.</summary>
    private static async Task AssertEachFilingFoundAsync(TestDb db, string index, int filingCount)
    {
        await using var connection = await db.Database.OpenAsync();
        var filings = (await connection.QueryAsync<(string Id, long Rows)>("SELECT id, row_count FROM ds_filings ORDER BY id")).ToList();
        Assert.Equal(filingCount, filings.Count);
        var postgres = db.Database.Dialect == SqlDialect.Postgres;
        await using var tx = await connection.BeginTransactionAsync();
        if (postgres)
        {
            await connection.ExecuteAsync("SET LOCAL enable_seqscan = off", transaction: tx);
        }

        foreach (var (id, rows) in filings)
        {
            var sql = $"SELECT count(*) FROM \"{Table}\" WHERE \"_filing\" = @Id";
            var plan = postgres
                ? string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + sql, new { Id = id }, tx))
                : string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN " + sql, new { Id = id }, tx)).Select(r => (string)((IDictionary<string, object>)r)["detail"]));
            Assert.Contains(index, plan, StringComparison.Ordinal);
            Assert.Equal(rows, await connection.ExecuteScalarAsync<long>(sql, new { Id = id }, tx));
        }
    }
}
