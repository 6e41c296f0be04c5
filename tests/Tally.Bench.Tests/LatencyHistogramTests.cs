using Tally.Bench.Load;

namespace Tally.Bench.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Uniform1To1000Ms_PercentilesWithinOnePercentOfNearestRank()
    {
        var h = new LatencyHistogram();
        for (var ms = 1000; ms >= 1; ms--)
        {
            h.Record(ms);
        }

        Assert.Equal(1000, h.Count);
        Assert.InRange(h.Percentile(0.50), 500, 500 * LatencyHistogram.Growth);
        Assert.InRange(h.Percentile(0.99), 990, 990 * LatencyHistogram.Growth);
        Assert.Equal(1000, h.Percentile(1.0));
        Assert.Equal(1000, h.MaxMs);
        Assert.Equal(1, h.MinMs);
        Assert.Equal(500.5, h.MeanMs, 9);
    }

    [Fact]
    public void OneValue_EveryPercentileIsThatValueExactly()
    {
        var h = new LatencyHistogram();
        h.Record(12.345);

        Assert.Equal(12.345, h.Percentile(0.01));
        Assert.Equal(12.345, h.Percentile(0.5));
        Assert.Equal(12.345, h.Percentile(0.99));
    }

    [Fact]
    public void SkewedLatencies_P99SeesTheSlowTail()
    {
        var h = new LatencyHistogram();
        for (var i = 0; i < 980; i++)
        {
            h.Record(1);
        }

        for (var i = 0; i < 20; i++)
        {
            h.Record(500);
        }

        Assert.InRange(h.Percentile(0.50), 1, 1 * LatencyHistogram.Growth);
        Assert.InRange(h.Percentile(0.98), 1, 1 * LatencyHistogram.Growth);
        Assert.Equal(500, h.Percentile(0.99));
    }

    [Fact]
    public void Merge_SameAsRecordingEverythingInOne()
    {
        var (a, b, all) = (new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram());
        var random = new Random(7);
        for (var i = 0; i < 5000; i++)
        {
            var ms = random.NextDouble() * 300;
            (i % 3 == 0 ? a : b).Record(ms);
            all.Record(ms);
        }

        a.Merge(b);

        Assert.Equal(all.Count, a.Count);
        Assert.Equal(all.MaxMs, a.MaxMs);
        Assert.Equal(all.MinMs, a.MinMs);
        Assert.Equal(all.SumMs, a.SumMs, 3);
        foreach (var p in new[] { 0.1, 0.5, 0.9, 0.99, 0.999 })
        {
            Assert.Equal(all.Percentile(p), a.Percentile(p));
        }
    }

    [Fact]
    public void Empty_PercentileIsNaN()
    {
        var h = new LatencyHistogram();

        Assert.True(double.IsNaN(h.Percentile(0.5)));
        Assert.True(double.IsNaN(h.MeanMs));
    }

    [Fact]
    public void SubMicrosecondAndHours_LandInTheEndBucketsWithExactMinAndMax()
    {
        var h = new LatencyHistogram();
        h.Record(0);
        h.Record(0.0004);
        h.Record(10 * 3600 * 1000.0);

        Assert.InRange(h.Percentile(0.3), 0, 0.001 * LatencyHistogram.Growth);
        Assert.Equal(10 * 3600 * 1000.0, h.Percentile(1));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void NegativeOrNaN_Refused(double ms) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyHistogram().Record(ms));

    [Theory]
    [InlineData(0)]
    [InlineData(1.5)]
    public void PercentileOutsideZeroToOne_Refused(double p) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyHistogram().Percentile(p));
}
