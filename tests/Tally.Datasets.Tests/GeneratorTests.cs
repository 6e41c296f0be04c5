using System.Security.Cryptography;
using System.Text;
using Tally.Datasets.Generation;
using Tally.Datasets.Query;

namespace Tally.Datasets.Tests;

public sealed class GeneratorTests
{
    private static async Task<byte[]> GenerateAsync(int seed, long rows)
    {
        var generator = new DetentionStayGenerator(seed, new DateOnly(2022, 10, 1), new DateOnly(2025, 1, 31), new DateOnly(2025, 2, 28), rows);
        await using var text = new StringWriter();
        await generator.WriteCsvAsync(text, rows);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Fact]
    public async Task SameSeed_GivesTheSameBytes_AnotherSeedDoesNot()
    {
        var a = await GenerateAsync(7, 2000);
        var b = await GenerateAsync(7, 2000);
        var c = await GenerateAsync(8, 2000);

        Assert.Equal(SHA256.HashData(a), SHA256.HashData(b));
        Assert.NotEqual(SHA256.HashData(a), SHA256.HashData(c));
    }

    [Theory]
    [MemberData(nameof(Dialects.All), MemberType = typeof(Dialects))]
    public async Task TenThousandStays_LoadWithoutQuarantine_AndCountDistinctPeopleIsBelowStays(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect, new DatasetEngineOptions { ProgressIntervalMs = 0 });
        var bytes = await GenerateAsync(20250228, 10_000);

        var summary = await db.Engine.LoadAsync(
            new DatasetUpload { DatasetName = "ice-detention-stays-synthetic", FileName = "stays.csv", SpecYaml = DetentionStayGenerator.SpecYaml() },
            new MemoryStream(bytes));
        var stays = new ComputedMetricSpec("synthetic-releases", "ice-detention-stays-synthetic", "stays",
            [MetricFilter.In("stay_release_reason", "Paroled", "Order of recognizance", "Bonded Out - IJ")],
            MetricMeasure.Count, null, "stay_book_out_date", MetricCalendar.Fiscal, ["book_in_criminality"], VintageRule.LatestValid);
        var people = stays with { Id = "synthetic-released-people", Measure = MetricMeasure.Parse("count_distinct(unique_identifier)") };
        var fy24Stays = await db.Engine.ComputeAsync(stays, MetricPeriod.FiscalYear(2024));
        var fy24People = await db.Engine.ComputeAsync(people, MetricPeriod.FiscalYear(2024));

        Assert.Equal(10_000, summary.RowsRead);
        Assert.Equal(10_000, summary.RowsStored);
        Assert.Equal(0, summary.RowsQuarantined);
        Assert.Equal(["2025-02-28"], summary.Vintages);
        Assert.True(fy24Stays.Value > 500, $"expected a realistic number of releases, got {fy24Stays.Value}");
        Assert.True(fy24People.Value < fy24Stays.Value);
        Assert.Equal(fy24Stays.Value, fy24Stays.ByDimension.Sum(d => d.Value));
        Assert.Equal(3, fy24Stays.ByDimension.Count);
    }
}
