using Tally.Datasets.Query;

namespace Tally.Datasets.Tests;

public sealed class VintageValidationTests
{
    private static async Task<LoadSummary> LoadAsync(TestDb db, string file, IEnumerable<string[]> rows) =>
        await db.Engine.LoadAsync(Mini.Upload(file), Mini.Stream(Mini.Csv(rows)));

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task MislabelledFiscalYear_AndDataAfterThePull_MakeTheVintageSuspect_AndTheAnswerSaysWhy(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var rows = Mini.Pull("2023-05-15", "2023-05-26", 2023, 8)
            // Like ICE's 2022-01-09 pull: FY2023 numbers filed under a pull date a year too early.
            .Concat(Mini.Pull("2022-01-09", "2022-01-19", 2023, 9));

        var summary = await LoadAsync(db, "mixed.csv", rows);
        var result = await db.Engine.ComputeAsync(LoadTests.Metric(), MetricPeriod.FiscalYear(2023));

        Assert.Contains(summary.Findings, f => f.Code == "MISLABELLED_FISCAL_YEAR" && f.Vintage == "2022-01-09");
        Assert.Contains(summary.Findings, f => f.Code == "DATA_AFTER_VINTAGE_DATE" && f.Vintage == "2022-01-09");
        Assert.Equal("2023-05-15", result.Vintage!.Label);
        Assert.Equal(Mini.Convicted(8), result.Value);
        Assert.True(result.YearToDate);
        var other = Assert.Single(result.OtherVintages);
        Assert.True(other.Suspect);
        Assert.Equal(Mini.Convicted(9), other.Value); // what the suspect vintage said, reported, not used
        Assert.Contains(other.Errors, e => e.Code == "MISLABELLED_FISCAL_YEAR");
        Assert.Empty(result.SkippedVintages); // it is older than the one used
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task CountersThatFallBetweenPulls_FlagTheOutlier_AndANewerSuspectVintageIsSkippedWithItsReason(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await LoadAsync(db, "a.csv", Mini.Pull("2023-03-06", "2023-03-16", 2023, 6));
        await LoadAsync(db, "b.csv", Mini.Pull("2023-05-15", "2023-05-26", 2023, 8));
        // A later pull whose year-to-date counters are far below the earlier ones (a stale or mis-dated table).
        var c = await LoadAsync(db, "c.csv", Mini.Pull("2023-07-10", "2023-07-20", 2023, 3));

        var result = await db.Engine.ComputeAsync(LoadTests.Metric(), MetricPeriod.FiscalYear(2023));

        var finding = Assert.Single(c.Findings, f => f.Code == "YTD_DECREASE");
        Assert.Equal("2023-07-10", finding.Vintage);
        Assert.Contains("2023-05-15", finding.Example, StringComparison.Ordinal);
        Assert.Equal("2023-05-15", result.Vintage!.Label);
        var skipped = Assert.Single(result.SkippedVintages);
        Assert.Equal("2023-07-10", skipped.Label);
        Assert.Contains("Skipped as suspect: 2023-07-10 (YTD_DECREASE)", result.Explanation, StringComparison.Ordinal);
        Assert.Equal(2, result.OtherVintages.Count);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task TotalsRule_WithAnEffectiveDate_AppliesEqualityBeforeAndAtLeastAfter(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        // Before 2024-01-22 the Total row must equal the releases; from then on it may also count removals.
        var before = Mini.Pull("2024-01-12", "2024-01-18", 2024, 4, extraTotal: 50);
        var after = Mini.Pull("2024-01-22", "2024-02-01", 2024, 5, extraTotal: 50);

        var summary = await LoadAsync(db, "totals.csv", before.Concat(after));

        var mismatch = Assert.Single(summary.Findings, f => f.Code == "TOTAL_MISMATCH");
        Assert.Equal("2024-01-12", mismatch.Vintage);
        Assert.Equal(4, mismatch.RowCount); // four months with data disagree
        Assert.DoesNotContain(summary.Findings, f => f.Code == "TOTAL_BELOW_PARTS");
        var vintages = (await db.Engine.ListDatasetsAsync())[0].Vintages.ToDictionary(v => v.Label);
        Assert.True(vintages["2024-01-12"].Suspect);
        Assert.False(vintages["2024-01-22"].Suspect);
        Assert.Contains("TOTAL_MISMATCH", vintages["2024-01-12"].Note, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task DateOutsideStatedFiscalYear_AndBrokenRunningTotal_AreErrorFindings(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var rows = Mini.Pull("2023-09-30", "2023-10-31", 2023, 12);
        rows[0][3] = "2023-10-01"; // Total/Oct dated in FY2024 although fiscal_year says 2023
        var parole = rows.First(r => r[0] == "Parole" && r[1] == "Other" && r[2] == "Mar");
        parole[4] = (long.Parse(parole[4], System.Globalization.CultureInfo.InvariantCulture) + 7).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var summary = await LoadAsync(db, "dates.csv", rows);

        var outside = Assert.Single(summary.Findings, f => f.Code == "DATE_OUTSIDE_FISCAL_YEAR");
        Assert.Equal(1, outside.RowCount);
        Assert.Contains("FY2024", outside.Example, StringComparison.Ordinal);
        Assert.Contains(summary.Findings, f => f.Code == "RUNNING_TOTAL_MISMATCH" && f.Example!.Contains("reason=Parole, criminality=Other", StringComparison.Ordinal));
        Assert.True(Assert.Single((await db.Engine.ListDatasetsAsync())[0].Vintages).Suspect);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task StaleCopy_UnderALaterPullDate_IsSuspect_AndDuplicateKeysAreQuarantined(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        var genuine = Mini.Pull("2023-09-04", "2023-09-25", 2023, 12, scale: 2);
        var stale = Mini.Pull("2023-09-18", "2023-11-12", 2023, 12, scale: 2); // same numbers, later date, filed late
        var duplicate = (string[])genuine[5].Clone();

        var summary = await LoadAsync(db, "stale.csv", genuine.Append(duplicate).Concat(stale));

        var copy = Assert.Single(summary.Findings, f => f.Code == "STALE_COPY");
        Assert.Equal("2023-09-18", copy.Vintage);
        Assert.Equal(1, summary.RowsQuarantined);
        Assert.Equal(summary.RowsRead, summary.RowsStored + summary.RowsQuarantined);
        var q = Assert.Single((await db.Engine.ListQuarantineAsync("mini")).Rows);
        Assert.Equal("DUPLICATE_KEY", q.Code);
        Assert.Equal(86, q.RowNumber);
        Assert.Contains("repeats row 7", q.Reason, StringComparison.Ordinal);
        var result = await db.Engine.ComputeAsync(LoadTests.Metric(), MetricPeriod.FiscalYear(2023));
        Assert.Equal("2023-09-04", result.Vintage!.Label);
        Assert.Equal(Mini.Convicted(12, 2), result.Value);
    }

    public static TheoryData<string, int> DialectsAndKeyBudgets()
    {
        var data = new TheoryData<string, int>();
        foreach (var dialect in Dialects.All)
        {
            // 0: every filing is scanned in SQL; 100: keys are sorted into runs on disk and merged; default: all held in memory.
            foreach (var budget in new[] { 0, 100, new DatasetEngineOptions().KeyFilterBudget })
            {
                data.Add(dialect, budget);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DialectsAndKeyBudgets))]
    public async Task RepeatedKeys_AreQuarantinedInEveryFiling_HoweverManyKeysTheLoadRemembers(string dialect, int budget)
    {
        await using var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { ProgressIntervalMs = 0, BatchRows = 1000, KeyFilterBudget = budget });
        var first = Mini.Pull("2023-09-04", "2023-09-25", 2023, 12, scale: 2); // rows 2-85
        var second = Mini.Pull("2023-10-02", "2023-10-20", 2024, 1, scale: 3); // rows 87-
        var rows = first.Append((string[])first[5].Clone()) // row 86 repeats row 7
            .Concat(second).Append((string[])second[^2].Clone()).ToList(); // the last row repeats the one two above it

        var summary = await LoadAsync(db, "repeats.csv", rows);

        Assert.Equal(rows.Count, summary.RowsRead);
        Assert.Equal(2, summary.RowsQuarantined);
        Assert.Equal(summary.RowsRead, summary.RowsStored + summary.RowsQuarantined);
        var quarantined = (await db.Engine.ListQuarantineAsync("mini")).Rows.OrderBy(q => q.RowNumber).ToList();
        Assert.All(quarantined, q => Assert.Equal("DUPLICATE_KEY", q.Code));
        Assert.Equal([86L, rows.Count + 1L], quarantined.Select(q => q.RowNumber));
        Assert.Contains("repeats row 7", quarantined[0].Reason, StringComparison.Ordinal);
        Assert.Contains($"repeats row {rows.Count - 1}", quarantined[1].Reason, StringComparison.Ordinal);
        Assert.Equal(rows.Count - 2, await db.ScalarAsync("SELECT COUNT(*) FROM \"dt_mini__releases\""));
    }
}
