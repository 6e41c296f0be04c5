using Tally.Datasets.Query;

namespace Tally.Datasets.Tests;

public sealed class MetricTests
{
    private static async Task<TestDb> ThreePullsAsync(string dialect)
    {
        var db = await TestDb.CreateAsync(dialect);
        await db.Engine.LoadAsync(Mini.Upload("fy23.csv"), Mini.Stream(Mini.Csv(
            Mini.Pull("2023-05-15", "2023-05-26", 2023, 8).Concat(Mini.Pull("2023-09-30", "2023-10-31", 2023, 12)))));
        await db.Engine.LoadAsync(Mini.Upload("fy24.csv"), Mini.Stream(Mini.Csv(Mini.Pull("2024-03-04", "2024-03-14", 2024, 6, scale: 3))));
        return db;
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task RegisteredMetric_IsAnsweredFromMaterialisedAggregates_EqualToTheColdScan(string dialect)
    {
        await using var db = await ThreePullsAsync(dialect);
        var metric = LoadTests.Metric() with { Dimensions = ["reason"] };
        var cold = await db.Engine.ComputeAsync(metric, MetricPeriod.FiscalYear(2023));

        await db.Engine.RegisterMetricAsync(metric);
        var warm = await db.Engine.ComputeAsync(metric, MetricPeriod.FiscalYear(2023));
        // A load after registration is materialised in its switch transaction.
        await db.Engine.LoadAsync(Mini.Upload("fy24-late.csv"), Mini.Stream(Mini.Csv(Mini.Pull("2024-06-10", "2024-06-20", 2024, 9, scale: 3))));
        var fy24 = await db.Engine.ComputeAsync(metric, MetricPeriod.FiscalYear(2024));

        Assert.False(cold.FromMaterialised);
        Assert.True(warm.FromMaterialised);
        Assert.Equal(Mini.Convicted(12), cold.Value);
        Assert.Equal(cold.Value, warm.Value);
        Assert.Equal("2023-09-30", warm.Vintage!.Label);
        Assert.False(warm.YearToDate);
        Assert.Equal(cold.OtherVintages.Select(v => (v.Label, v.Value)), warm.OtherVintages.Select(v => (v.Label, v.Value)));
        Assert.Equal(Mini.Convicted(8), Assert.Single(warm.OtherVintages).Value);
        Assert.Equal(cold.ByDimension.Select(d => (d.Dimensions["reason"], d.Value)), warm.ByDimension.Select(d => (d.Dimensions["reason"], d.Value)));
        Assert.Equal([("Bond", (double?)Enumerable.Range(0, 12).Sum(m => 10 + m)), ("Parole", Enumerable.Range(0, 12).Sum(m => 1 + m))],
            warm.ByDimension.Select(d => (d.Dimensions["reason"]!, d.Value)));
        Assert.True(fy24.FromMaterialised);
        Assert.Equal("2024-06-10", fy24.Vintage!.Label);
        Assert.Equal(Mini.Convicted(9, 3), fy24.Value);
        Assert.True(fy24.YearToDate);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task PinnedVintage_IsUsedAsAsked_AndAnUnknownPinListsTheNearest(string dialect)
    {
        await using var db = await ThreePullsAsync(dialect);

        var pinned = await db.Engine.ComputeAsync(LoadTests.Metric("pull_date=2023-05-15"), MetricPeriod.FiscalYear(2023));
        var e = await Assert.ThrowsAsync<DatasetException>(() => db.Engine.ComputeAsync(LoadTests.Metric("pinned:2023-05-16"), MetricPeriod.FiscalYear(2023)));

        Assert.Equal("2023-05-15", pinned.Vintage!.Label);
        Assert.Equal(Mini.Convicted(8), pinned.Value);
        Assert.True(pinned.YearToDate);
        Assert.False(pinned.UsedSuspectVintage);
        Assert.Equal(DatasetErrorKind.NotFound, e.Kind);
        Assert.Contains("2023-05-15", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task MetricNamingAnUnknownColumnOrValue_IsRefused(string dialect)
    {
        await using var db = await ThreePullsAsync(dialect);

        var column = await Assert.ThrowsAsync<DatasetException>(() =>
            db.Engine.ComputeAsync(LoadTests.Metric() with { Measure = MetricMeasure.Parse("sum(n_book_outs)") }, MetricPeriod.FiscalYear(2023)));
        var value = await Assert.ThrowsAsync<DatasetException>(() =>
            db.Engine.ComputeAsync(LoadTests.Metric() with { Filters = [MetricFilter.In("reason", "Bonded")] }, MetricPeriod.FiscalYear(2023)));

        Assert.Contains("no such column", column.Message, StringComparison.Ordinal);
        Assert.Contains("'Bonded'", value.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task AdHocQuery_GroupsByColumnAndFiscalQuarter_OnTheLatestValidVintage(string dialect)
    {
        await using var db = await ThreePullsAsync(dialect);

        var result = await db.Engine.QueryAsync(new DatasetQuery
        {
            Dataset = "mini",
            Table = "releases",
            Filters = [MetricFilter.In("criminality", "Convicted", "Other")],
            Measure = MetricMeasure.Parse("sum(n)"),
            GroupBy = ["criminality"],
            DateColumn = "date",
            From = new DateOnly(2023, 10, 1),
            Bucket = PeriodBucket.FiscalQuarter,
        });

        Assert.Equal("2024-03-04", result.Vintage.Label);
        Assert.Null(result.Warning);
        Assert.Equal(["FY2024 Q1|Convicted", "FY2024 Q1|Other", "FY2024 Q2|Convicted", "FY2024 Q2|Other", "FY2024 Q3|Convicted", "FY2024 Q3|Other", "FY2024 Q4|Convicted", "FY2024 Q4|Other"],
            result.Rows.Select(r => $"{r.Period}|{r.Group[0].Value}"));
        // Q1 = Oct-Dec (months 0-2): Convicted = 3 * ((10+m) + (1+m)).
        Assert.Equal(3 * (11 + 13 + 15), result.Rows[0].Value);
        Assert.Equal(48, result.RowsMatched); // 2 reasons x 2 classes x 12 months
        Assert.Equal((new DateOnly(2024, 1, 1), new DateOnly(2024, 3, 31)), (result.Rows[2].PeriodStart!.Value, result.Rows[2].PeriodEnd!.Value));
    }

    [Fact]
    public void CatalogComputedValues_CompileToTheSameSpec()
    {
        var values = new Tally.Catalog.Model.ComputedValues(
            "ice-detention-stats/book_outs_by_reason", "sum(n_book_outs)",
            System.Collections.Immutable.ImmutableSortedDictionary<string, System.Collections.Immutable.ImmutableArray<string>>.Empty
                .Add("criminality", ["Convicted Criminal"]).Add("release_reason", ["Bonded Out", "Paroled"]),
            "date", Tally.Catalog.Model.PeriodBasis.UsFederalFiscalYear, "latest_pull");

        var spec = ComputedMetricSpec.FromCatalog("ice-releases-convicted", values);

        Assert.Equal(("ice-detention-stats", "book_outs_by_reason"), (spec.Dataset, spec.Table));
        Assert.Equal(MeasureKind.Sum, spec.Measure.Kind);
        Assert.Equal(MetricCalendar.Fiscal, spec.Calendar);
        Assert.Null(spec.Vintage.Pinned);
        Assert.Equal(2, spec.Filters.Length);
        Assert.Equal(spec.Key, (spec with { Id = "other-id" }).Key);
        Assert.NotEqual(spec.Key, (spec with { Filters = [spec.Filters[0]] }).Key);
    }
}
