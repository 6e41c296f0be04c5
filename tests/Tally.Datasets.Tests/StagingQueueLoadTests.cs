using System.Text;
using Dapper;

namespace Tally.Datasets.Tests;

/// <summary>
/// Loads through the staging queue (rows stored by a task of their own) against real databases: the rows, their
/// provenance and the quarantine are exactly what a load that reads and stores on one task keeps.
/// </summary>
public sealed class StagingQueueLoadTests
{
    public static TheoryData<string> Databases
    {
        get
        {
            var data = new TheoryData<string> { "sqlite-memory" };
            foreach (var d in Dialects.All)
            {
                data.Add(d);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task SameFile_SameRowsAndQuarantine_WithOrWithoutTheQueue(string database)
    {
        // Four pulls, with rows that do not fit scattered among them: many hand-overs of 7 rows, quarantines in between.
        var csv = new StringBuilder(Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12)));
        foreach (var (pull, filed, fy) in new[] { ("2023-10-31", "2023-11-30", 2024), ("2023-11-30", "2023-12-31", 2024), ("2023-12-31", "2024-01-31", 2024) })
        {
            var rows = Mini.Csv(Mini.Pull(pull, filed, fy, 3)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            for (var i = 0; i < rows.Count; i++)
            {
                csv.Append(rows[i]).Append('\n');
                if (i % 11 == 5)
                {
                    csv.Append("Bond,Convicted,Oct,not-a-date,5,5,").Append(fy).Append(',').Append(filed).Append(',').Append(pull).Append('\n');
                }
            }
        }

        var inline = await LoadAsync(database, csv.ToString(), queueBatches: 0, handOverRows: 1024);
        var queued = await LoadAsync(database, csv.ToString(), queueBatches: 2, handOverRows: 7);

        Assert.Equal(inline.Summary, queued.Summary);
        Assert.True(inline.Summary.Stored > 84 && inline.Summary.Quarantined > 3, inline.Summary.ToString());
        Assert.Equal(inline.Rows, queued.Rows);
        Assert.Equal(inline.Quarantine, queued.Quarantine);
    }

    [Theory]
    [InlineData("sqlite", false)]
    [InlineData("sqlite-memory", false)]
    [InlineData("sqlite", true)]
    [InlineData("sqlite-memory", true)]
    public async Task AnUploadAbandonedMidRow_EndsTheLoad_WhicheverArrivesFirst(string database, bool cancelFirst)
    {
        await using var db = await TestDb.CreateAsync(database, new DatasetEngineOptions { ProgressIntervalMs = 0 }); // default hand-overs
        var pipe = new System.IO.Pipelines.Pipe();
        using var cts = new CancellationTokenSource();
        var load = db.Engine.LoadAsync(Mini.Upload(), pipe.Reader, null, cts.Token);
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12))[..200]));
        await Task.Delay(200);

        // A client that goes away: the call is cancelled and the upload's stream ends with an error, in either order.
        if (cancelFirst)
        {
            await cts.CancelAsync();
        }

        await pipe.Writer.CompleteAsync(new IOException("the client went away"));
        await cts.CancelAsync();

        Assert.Same(load, await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(30))));
        await Assert.ThrowsAnyAsync<Exception>(() => load);
        Assert.Empty(await db.Engine.ListDatasetsAsync());
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task ConcurrentLoads_OfTwoDatasets_WaitOutEachOthersLocks_AndBothLand(string database)
    {
        // A shared-cache (in-memory) SQLite database reports a table in use as SQLITE_LOCKED at once, without a busy handler.
        await using var db = await TestDb.CreateAsync(database, new DatasetEngineOptions { ProgressIntervalMs = 0, BatchRows = 5, HandOverRows = 4 });
        var rows = Enumerable.Range(0, 6).SelectMany(i => Mini.Pull($"2023-0{i + 1}-15", $"2023-0{i + 2}-01", 2023, 8)).ToList();
        var other = Mini.Spec.Replace("dataset: mini", "dataset: mini-b", StringComparison.Ordinal);

        var loads = await Task.WhenAll(
            db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(Mini.Csv(rows))),
            db.Engine.LoadAsync(Mini.Upload() with { DatasetName = "mini-b", SpecYaml = other }, Mini.Stream(Mini.Csv(rows))),
            db.Engine.LoadAsync(Mini.Upload("mini-2.csv"), Mini.Stream(Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12)))));

        Assert.All(loads, l => Assert.Equal(0, l.RowsQuarantined));
        Assert.Equal([6 * 84, 6 * 84, 84], loads.Select(l => l.RowsStored));
        Assert.Equal(["mini", "mini-b"], (await db.Engine.ListDatasetsAsync()).Select(d => d.Name).Order());
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task ALoad_WaitsWhileAReaderHoldsItsTable_ThenLands(string database)
    {
        await using var db = await TestDb.CreateAsync(database);
        await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(Mini.Csv(Mini.Pull("2023-05-15", "2023-05-26", 2023, 8))));
        await using var reader = await db.Database.OpenAsync();
        // A read transaction (SQLite's default BEGIN is IMMEDIATE, a write lock: ask for a deferred one).
        await using var tx = reader is Microsoft.Data.Sqlite.SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: true) : await reader.BeginTransactionAsync();
        Assert.Equal(84, await reader.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM \"dt_mini__releases\"", transaction: tx)); // holds a read lock

        // On its own thread: SQLite's ADO.NET calls block while they wait for a lock.
        var load = Task.Run(() => db.Engine.LoadAsync(Mini.Upload("mini-2.csv"), Mini.Stream(Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12)))));
        await Task.Delay(300);
        await tx.CommitAsync();

        Assert.Equal(84, (await load).RowsStored);
    }

    private static async Task<(( long Read, long Stored, long Quarantined, int Vintages) Summary, List<string> Rows, List<string> Quarantine)> LoadAsync(
        string database, string csv, int queueBatches, int handOverRows)
    {
        await using var db = await TestDb.CreateAsync(database,
            new DatasetEngineOptions { ProgressIntervalMs = 0, BatchRows = 10, StagingQueueBatches = queueBatches, HandOverRows = handOverRows });
        var summary = await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(csv));
        await using var c = await db.Database.OpenAsync();
        var rows = (await c.QueryAsync<(long, string, string?, string, long, long)>(
            "SELECT \"_row\", reason, criminality, date, n, n_ytd FROM \"dt_mini__releases\" ORDER BY \"_row\"")).Select(r => r.ToString()).ToList();
        var quarantine = (await db.Engine.ListQuarantineAsync("mini", pageSize: 1000)).Rows.Select(q => $"{q.RowNumber} {q.Code} {q.Column} {q.Reason}").ToList();
        return ((summary.RowsRead, summary.RowsStored, summary.RowsQuarantined, summary.Vintages.Count), rows, quarantine);
    }
}
