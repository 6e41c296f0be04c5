using Tally.Datasets.Query;

namespace Tally.Datasets.Tests;

/// <summary>The real ICE detention statistics (../shared/data, never copied into the repository).</summary>
public sealed class IceDetentionStatsTests
{
    /// <summary>Releases into the United States: every release reason except the Total row and the two components of "Bonded Out".</summary>
    internal static readonly string[] ReleaseReasons = ["Bonded Out", "Order of Recognizance", "Order of Supervision", "Paroled", "Court Ordered", "Prosecutorial Discretion"];

    internal static ComputedMetricSpec ReleasesConvicted { get; } = new(
        "ice-releases-convicted", "ice-detention-stats", "book_outs_by_reason",
        [new MetricFilter("release_reason", FilterOperator.In, [.. ReleaseReasons]), MetricFilter.In("criminality", "Convicted Criminal")],
        MetricMeasure.Parse("sum(n_book_outs)"), null, "date", MetricCalendar.Fiscal, ["release_reason"], VintageRule.LatestValid);

    private static async Task<(TestDb Db, LoadSummary Summary)> LoadBookOutsAsync(string dialect)
    {
        var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { SpecDirectory = RepoPaths.DatasetSpecs, ProgressIntervalMs = 0 });
        await using var file = File.OpenRead(Path.Combine(RepoPaths.IceStats!, "book-outs-by-reason.csv"));
        var summary = await db.Engine.LoadAsync(new DatasetUpload { DatasetName = "ice-detention-stats", FileName = "book-outs-by-reason.csv" }, file);
        return (db, summary);
    }

    [SharedDataFact]
    public Task BookOuts_Sqlite_Fy2023ConvictedReleases_MatchTheYearEndSpreadsheet() => Fy2023Async("sqlite");

    [PostgresFact]
    public Task BookOuts_Postgres_Fy2023ConvictedReleases_MatchTheYearEndSpreadsheet() =>
        RepoPaths.IceStats is null ? Task.CompletedTask : Fy2023Async("postgres");

    private static async Task Fy2023Async(string dialect)
    {
        var (db, summary) = await LoadBookOutsAsync(dialect);
        await using var _ = db;

        var result = await db.Engine.ComputeAsync(ReleasesConvicted, MetricPeriod.FiscalYear(2023));

        Assert.Equal(37_500, summary.RowsRead);
        Assert.Equal(summary.RowsRead, summary.RowsStored + summary.RowsQuarantined);
        Assert.Equal(0, summary.RowsQuarantined);
        // ICE's FY2023 year-end spreadsheet (data pull 2023-09-30): convicted-criminal book-outs by release reason.
        Assert.Equal(7_626, result.Value);
        Assert.Equal("2023-09-30", result.Vintage!.Label);
        Assert.False(result.YearToDate);
        Assert.Equal(
            [("Bonded Out", 2_559.0), ("Order of Recognizance", 2_214.0), ("Order of Supervision", 1_965.0), ("Paroled", 888.0)],
            result.ByDimension.Select(d => (d.Dimensions["release_reason"]!, d.Value!.Value)));
        // Filed twice (spreadsheets dated 2023-10-31 and 2023-12-31): one vintage, counted once.
        Assert.Equal(2, result.Vintage.Files.Count);
        Assert.Contains(result.OtherVintages, v => v.Label == "2023-09-18" && v.Value == 7_016 && !v.Suspect);
        // The FY2023 table filed under January 2022 pull dates is mislabelled, reported and not used.
        Assert.Contains(result.OtherVintages, v => v.Label == "2022-01-09" && v.Suspect && v.Errors.Any(e => e.Code == "MISLABELLED_FISCAL_YEAR"));
        Assert.Contains(result.OtherVintages, v => v.Label == "2022-01-23" && v.Suspect);
        Assert.Empty(result.SkippedVintages);
    }

    [SharedDataFact]
    public async Task BookOuts_KnownQuirks_AreFindingsOnTheRightVintages()
    {
        var (db, summary) = await LoadBookOutsAsync("sqlite");
        await using var _ = db;

        var vintages = (await db.Engine.ListDatasetsAsync("ice-detention-stats"))[0].Vintages.ToDictionary(v => v.Label);
        string Codes(string label) => string.Join(",", summary.Findings.Where(f => f.Vintage == label && f.Severity == FindingSeverity.Error).Select(f => f.Code).Distinct().Order());

        Assert.Contains("MISLABELLED_FISCAL_YEAR", Codes("2020-02-24"), StringComparison.Ordinal);      // FY2022 table, pull dated 2020
        Assert.Contains("STALE_COPY", Codes("2021-09-27"), StringComparison.Ordinal);                   // repeats the 2021-09-06 pull
        Assert.Contains("YTD_DECREASE", Codes("2021-02-22"), StringComparison.Ordinal);                 // counters above the next pulls'
        Assert.Contains("RUNNING_TOTAL_MISMATCH", Codes("2021-04-05"), StringComparison.Ordinal);       // YTD is not the sum of its months
        Assert.True(vintages["2021-09-27"].Suspect);
        Assert.False(vintages["2023-09-30"].Suspect);
        Assert.False(vintages["2024-10-07"].Suspect);
        // From the 2024-01-22 pull on the Total row counts removals too: not a mismatch under the dated rule.
        Assert.False(vintages["2024-01-22"].Suspect);
        Assert.Equal("2024-05-13/2024-06-06", vintages.Keys.Single(k => k.StartsWith("2024-05-13/", StringComparison.Ordinal)));
        Assert.Contains(summary.Findings, f => f.Code == "DUPLICATE_FILING" && f.Vintage == "2023-09-30");
        var fy2024 = await db.Engine.ComputeAsync(ReleasesConvicted, MetricPeriod.FiscalYear(2024));
        Assert.Equal("2024-10-07", fy2024.Vintage!.Label);
        Assert.Equal(7_684, fy2024.Value);
    }

    [SharedDataFact]
    public async Task BookInsAndRemovals_LoadIntoTheSameDataset_EveryRowAccountedFor()
    {
        await using var db = await TestDb.CreateAsync("sqlite", new DatasetEngineOptions { SpecDirectory = RepoPaths.DatasetSpecs });
        foreach (var file in new[] { "book-ins-by-arresting-agency.csv", "removals.csv" })
        {
            await using var stream = File.OpenRead(Path.Combine(RepoPaths.IceStats!, file));
            var summary = await db.Engine.LoadAsync(new DatasetUpload { DatasetName = "ice-detention-stats", FileName = file }, stream);
            Assert.True(summary.RowsRead > 0);
            Assert.Equal(summary.RowsRead, summary.RowsStored + summary.RowsQuarantined);
        }

        var removals = new ComputedMetricSpec("ice-removals-detention-stats", "ice-detention-stats", "removals", [], MetricMeasure.Parse("sum(removals)"),
            "fiscal_year", null, MetricCalendar.Fiscal, [], VintageRule.LatestValid);
        var fy2024 = await db.Engine.ComputeAsync(removals, MetricPeriod.FiscalYear(2024));

        Assert.Equal(["book_ins_by_arresting_agency", "removals"], (await db.Engine.ListDatasetsAsync())[0].Tables.Select(t => t.Name));
        Assert.NotNull(fy2024.Vintage);
        Assert.True(fy2024.Value > 200_000, $"FY2024 removals in the latest valid pull: {fy2024.Value} ({fy2024.Explanation})");
    }

    [SharedDataFact]
    public async Task BookOuts_EveryYearAtOnce_SameAsOneByOne_MaterialisedAfterRegistering_CitableRow()
    {
        await using var db = await TestDb.CreateAsync("sqlite", new DatasetEngineOptions { SpecDirectory = RepoPaths.DatasetSpecs, ProgressIntervalMs = 0 });
        var path = Path.Combine(RepoPaths.IceStats!, "book-outs-by-reason.csv");
        await using (var file = File.OpenRead(path))
        {
            var summary = await db.Engine.LoadAsync(new DatasetUpload { DatasetName = "ice-detention-stats", FileName = "book-outs-by-reason.csv", SnapshotIdIsContentHash = true }, file);
            Assert.Equal(summary.ContentSha256, summary.SnapshotId);
        }

        var cold = await db.Engine.ComputeManyAsync(ReleasesConvicted);
        Assert.True(await db.Engine.EnsureMetricRegisteredAsync(ReleasesConvicted));
        Assert.False(await db.Engine.EnsureMetricRegisteredAsync(ReleasesConvicted));
        var warm = await db.Engine.ComputeManyAsync(ReleasesConvicted);

        Assert.Equal(cold.Select(r => r.Period.Year), warm.Select(r => r.Period.Year));
        Assert.Contains(2023, cold.Select(r => r.Period.Year));
        Assert.All(cold, r => Assert.False(r.FromMaterialised));
        Assert.All(warm, r => Assert.True(r.FromMaterialised));
        foreach (var (c, w) in cold.Zip(warm))
        {
            var single = await db.Engine.ComputeAsync(ReleasesConvicted, c.Period);
            Assert.Equal((single.Value, single.Vintage?.Label), (c.Value, c.Vintage?.Label));
            Assert.Equal((c.Value, c.Vintage?.Label, c.OtherVintages.Count), (w.Value, w.Vintage?.Label, w.OtherVintages.Count));
        }

        var fy2023 = warm.Single(r => r.Period.Year == 2023);
        Assert.Equal(fy2023.Vintage!.SnapshotId, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(path))));
        var row = await db.Engine.FirstCountedRowAsync(ReleasesConvicted, fy2023.Vintage.VintageId, fy2023.Period);
        Assert.NotNull(row);
        var line = File.ReadLines(path).ElementAt((int)row.RowNumber - 1);
        Assert.StartsWith("Bonded Out,Convicted Criminal,Oct,2022-10-01,", line, StringComparison.Ordinal);
        Assert.EndsWith(",2023-09-30", line, StringComparison.Ordinal);
    }
}
