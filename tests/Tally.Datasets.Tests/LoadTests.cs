using System.Text;
using Tally.Datasets.Query;

namespace Tally.Datasets.Tests;

public sealed class LoadTests
{
    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task CleanFile_IsStoredAsOneVintage_WithRowProvenance_AndProgressKeepsTheInvariant(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var progress = new ProgressLog();

        var summary = await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12))), progress);

        Assert.Equal(84, summary.RowsRead);
        Assert.Equal(84, summary.RowsStored);
        Assert.Equal(0, summary.RowsQuarantined);
        Assert.Equal(["2023-09-30"], summary.Vintages);
        Assert.DoesNotContain(summary.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.All(progress.Reports, p => Assert.Equal(p.RowsRead, p.RowsStored + p.RowsQuarantined));
        Assert.Equal(LoadPhase.Completed, progress.Reports[^1].Phase);
        Assert.Same(summary, progress.Reports[^1].Summary);
        // Row provenance: the physical row number of each stored row (header is row 1).
        Assert.Equal(2, await db.ScalarAsync("SELECT MIN(\"_row\") FROM \"dt_mini__releases\""));
        Assert.Equal(85, await db.ScalarAsync("SELECT MAX(\"_row\") FROM \"dt_mini__releases\""));
        var info = Assert.Single(await db.Engine.ListDatasetsAsync());
        var vintage = Assert.Single(info.Vintages);
        Assert.False(vintage.Suspect);
        Assert.Equal([2023], vintage.FiscalYears);
        Assert.Equal(84, Assert.Single(info.Tables).RowCount);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task RowsThatDoNotFit_AreQuarantinedWithRowColumnAndReason_NothingDropped(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var rows = Mini.Pull("2023-09-30", "2023-10-31", 2023, 12);
        var csv = new StringBuilder(Mini.Csv(rows));
        csv.Append("Bond,Convicted,Oct,2022-10-01,5\n");                                   // wrong column count (row 86)
        csv.Append("Bond,Convicted,Nov,2022-13-45,5,5,2023,2023-10-31,2023-09-30\n");      // bad date (row 87)
        csv.Append("Bond,Convicted,Dec,2022-12-01,five,5,2023,2023-10-31,2023-09-30\n");   // non-numeric count (row 88)
        csv.Append(",Convicted,Jan,2023-01-01,5,5,2023,2023-10-31,2023-09-30\n");           // missing required (row 89)
        csv.Append("Released,Convicted,Feb,2023-02-01,5,5,2023,2023-10-31,2023-09-30\n");  // not an allowed value (row 90)

        var summary = await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(csv.ToString()));

        Assert.Equal(89, summary.RowsRead);
        Assert.Equal(84, summary.RowsStored);
        Assert.Equal(5, summary.RowsQuarantined);
        var page = await db.Engine.ListQuarantineAsync("mini");
        Assert.Equal(5, page.TotalSize);
        var byRow = page.Rows.ToDictionary(r => r.RowNumber);
        Assert.Equal("WRONG_COLUMN_COUNT", byRow[86].Code);
        Assert.Contains("5 cells but the header has 9", byRow[86].Reason, StringComparison.Ordinal);
        Assert.Equal(("UNPARSABLE_DATE", "date"), (byRow[87].Code, byRow[87].Column));
        Assert.Contains("'2022-13-45'", byRow[87].Reason, StringComparison.Ordinal);
        Assert.Equal(("NOT_A_WHOLE_NUMBER", "n"), (byRow[88].Code, byRow[88].Column));
        Assert.Equal(("MISSING_REQUIRED", "reason"), (byRow[89].Code, byRow[89].Column));
        Assert.Equal(("NOT_ALLOWED_VALUE", "reason"), (byRow[90].Code, byRow[90].Column));
        Assert.Equal("Bond\tConvicted\tOct\t2022-10-01\t5", byRow[86].Raw);
        Assert.All(page.Rows, r => Assert.Equal("mini.csv", r.FileName));
        Assert.Contains(summary.Findings, f => f.Code == "UNPARSABLE_DATE" && f.RowCount == 1 && f.Example!.Contains("row 87", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task TruncatedFile_LastRowCutMidQuote_IsQuarantined(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var text = Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12)) + "\"Bond,Convicted,Oct,2022-10-01,5,5,2023,2023-1";

        var summary = await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(text));

        Assert.Equal(85, summary.RowsRead);
        Assert.Equal(1, summary.RowsQuarantined);
        var row = Assert.Single((await db.Engine.ListQuarantineAsync("mini")).Rows);
        Assert.Equal("TRUNCATED_ROW", row.Code);
        Assert.Equal(86, row.RowNumber);
        Assert.Contains("cut short", row.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task EmptyFile_IsRefusedWithAClearError(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);

        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.LoadAsync(Mini.Upload(), new MemoryStream()));

        Assert.Equal(DatasetErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("is empty", e.Message, StringComparison.Ordinal);
        Assert.Empty(await db.Engine.ListDatasetsAsync());
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task SpecNamingAMissingColumn_IsRefusedBeforeAnyRowIsStored(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var spec = Mini.Spec.Replace("{name: n, type: int, required: true}", "{name: n, header: Book-outs, type: int, required: true}", StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<DatasetException>(() =>
            db.Engine.LoadAsync(Mini.Upload(spec: spec), Mini.Stream(Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12)))));

        Assert.Equal(DatasetErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("'n' (header 'Book-outs')", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", e.Message, StringComparison.Ordinal);
        Assert.Empty(await db.Engine.ListDatasetsAsync());
        Assert.Equal(0, await db.ScalarAsync("SELECT COUNT(*) FROM ds_staging"));
        Assert.Equal(0, await db.ScalarAsync("SELECT COUNT(*) FROM \"dt_mini__releases\""));
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task CancelledLoad_LeavesThePreviousVintageIntactAndVisible(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { BatchRows = 10, ProgressIntervalMs = 0, HandOverRows = 16 });
        await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(Mini.Csv(Mini.Pull("2023-05-15", "2023-05-26", 2023, 8))));
        var metric = Metric();
        var before = await db.Engine.ComputeAsync(metric, MetricPeriod.FiscalYear(2023));

        // The second pull is big enough that batches are committed to staging before the cancellation arrives.
        var rows = Enumerable.Range(0, 40).SelectMany(i => Mini.Pull($"2023-09-{(i % 28) + 1:00}", $"2023-10-{(i % 28) + 1:00}", 2023, 12)).ToList();
        var bytes = Encoding.UTF8.GetBytes(Mini.Csv(rows));
        using var cts = new CancellationTokenSource();
        var stream = new InterruptingStream(bytes, bytes.Length / 2, cts.Cancel);
        var progress = new ProgressLog();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.Engine.LoadAsync(Mini.Upload("mini-2.csv"), stream, progress, cts.Token));

        Assert.Contains(progress.Reports, p => p.RowsStored > 0); // rows had been staged
        var dataset = Assert.Single(await db.Engine.ListDatasetsAsync());
        Assert.Equal(["2023-05-15"], dataset.Vintages.Select(v => v.Label));
        Assert.Equal(84, await db.ScalarAsync("SELECT COUNT(*) FROM \"dt_mini__releases\""));
        Assert.Equal(0, await db.ScalarAsync("SELECT COUNT(*) FROM ds_staging"));
        var after = await db.Engine.ComputeAsync(metric, MetricPeriod.FiscalYear(2023));
        Assert.Equal(before.Value, after.Value);
        Assert.Equal("2023-05-15", after.Vintage!.Label);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task FailedLoad_StreamBreaksMidway_StoresNothing(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { BatchRows = 10, ProgressIntervalMs = 0, HandOverRows = 16 });
        await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(Mini.Csv(Mini.Pull("2023-05-15", "2023-05-26", 2023, 8))));
        var bytes = Encoding.UTF8.GetBytes(Mini.Csv(Enumerable.Range(1, 20).SelectMany(i => Mini.Pull($"2023-08-{i:00}", $"2023-09-{i:00}", 2023, 11))));

        await Assert.ThrowsAsync<IOException>(() =>
            db.Engine.LoadAsync(Mini.Upload("broken.csv"), new InterruptingStream(bytes, bytes.Length - 100, () => throw new IOException("connection reset"))));

        Assert.Single((await db.Engine.ListDatasetsAsync())[0].Vintages);
        Assert.Equal(84, await db.ScalarAsync("SELECT COUNT(*) FROM \"dt_mini__releases\""));
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task SameFileTwice_IsAlreadyExisted_AndSamePullFiledTwice_IsOneVintage(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var first = Mini.Csv(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12));
        var s1 = await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(first));

        var again = await db.Engine.LoadAsync(Mini.Upload(), Mini.Stream(first));
        // The same pull filed again in a later spreadsheet (another file date, identical numbers).
        var refiled = await db.Engine.LoadAsync(Mini.Upload("mini-dec.csv"), Mini.Stream(Mini.Csv(Mini.Pull("2023-09-30", "2023-12-31", 2023, 12))));

        Assert.True(again.AlreadyExisted);
        Assert.Equal(s1.LoadId, again.LoadId);
        Assert.Equal(84, refiled.RowsStored);
        Assert.Equal(["2023-09-30"], refiled.Vintages);
        Assert.Contains(refiled.Findings, f => f.Code == "DUPLICATE_FILING" && f.Severity == FindingSeverity.Info);
        var vintage = Assert.Single((await db.Engine.ListDatasetsAsync())[0].Vintages);
        Assert.Equal(2, vintage.Files.Count);
        var result = await db.Engine.ComputeAsync(Metric(), MetricPeriod.FiscalYear(2023));
        Assert.Equal(Mini.Convicted(12), result.Value); // counted once, not twice
        Assert.Empty(result.OtherVintages);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task PipedUpload_RowsAreParsedWhileChunksArrive(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var bytes = Encoding.UTF8.GetBytes(Mini.Csv(Enumerable.Range(1, 20).SelectMany(i => Mini.Pull($"2023-07-{i:00}", $"2023-08-{i:00}", 2023, 10, scale: i))));
        var pipe = new System.IO.Pipelines.Pipe();
        var progress = new ProgressLog();

        var load = db.Engine.LoadAsync(Mini.Upload("piped.csv") with { ExpectedBytes = bytes.Length }, pipe.Reader, progress);
        foreach (var chunk in bytes.Chunk(16 * 1024))
        {
            await pipe.Writer.WriteAsync(chunk);
        }

        await pipe.Writer.CompleteAsync();
        var summary = await load;

        Assert.Equal(20 * 84, summary.RowsStored);
        Assert.Equal(20, summary.Vintages.Count);
        Assert.Contains(progress.Reports, p => p.Phase == LoadPhase.Receiving && p.RowsRead > 0 && p.BytesReceived < bytes.Length);
        Assert.All(progress.Reports, p => Assert.Equal(bytes.Length, p.TotalBytes));
    }

    internal static ComputedMetricSpec Metric(string vintage = "latest_valid_for_period") => new(
        "mini-releases-convicted", "mini", "releases",
        [MetricFilter.In("reason", "Bond", "Parole"), MetricFilter.In("criminality", "Convicted")],
        MetricMeasure.Parse("sum(n)"), null, "date", MetricCalendar.Fiscal, [], VintageRule.Parse(vintage));
}
