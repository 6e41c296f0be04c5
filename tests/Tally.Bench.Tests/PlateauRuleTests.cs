using Tally.Bench.Load;

namespace Tally.Bench.Tests;

public sealed class PlateauRuleTests
{
    private const long Mib = 1024 * 1024;

    private static List<MemoryReading> Series(double window, int count, Func<double, double> mibAt) =>
        [.. Enumerable.Range(0, count + 1).Select(i => i * window / count).Select(t => new MemoryReading(t, (long)(mibAt(t) * Mib)))];

    [Fact]
    public void FlatWithGcSawtooth_Plateaus()
    {
        var readings = Series(60, 30, t => 250 + (t % 6 < 3 ? 0 : 20));

        var verdict = new PlateauRule().Judge(readings, 60);

        Assert.True(verdict.Decided);
        Assert.True(verdict.Plateaued, verdict.Reason);
        Assert.Equal(0, verdict.GrowthPercent, 6);
    }

    [Fact]
    public void SteadyClimb_DoesNotPlateau()
    {
        // 100 MiB at the start to 200 MiB at the end, read every 2 s: middle-third peak 163.3 MiB, last-third peak 200 MiB.
        var readings = Series(60, 30, t => 100 + (100 * t / 60));

        var verdict = new PlateauRule().Judge(readings, 60);

        Assert.True(verdict.Decided);
        Assert.False(verdict.Plateaued, verdict.Reason);
        Assert.InRange(verdict.GrowthPercent, 22, 23); // 200 / 163.3 (the reading at 38 s)
        Assert.Contains("above 10 %", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GrowthInTheFirstThirdAndWarmUp_LeftOut()
    {
        var readings = Series(60, 30, t => t < 20 ? 100 + (10 * t) : 300);
        readings.Add(new MemoryReading(-5, 900 * Mib)); // warm-up: not in the window

        var verdict = new PlateauRule().Judge(readings, 60);

        Assert.True(verdict.Plateaued, verdict.Reason);
        Assert.Equal(300 * Mib, verdict.LastMaxBytes);
    }

    [Fact]
    public void LastPeakExactlyAtTheTolerance_Plateaus_JustAbove_DoesNot()
    {
        List<MemoryReading> With(long lastPeak) =>
            [new(25, 200 * Mib), new(35, 200 * Mib), new(45, 200 * Mib), new(55, lastPeak)];

        Assert.True(new PlateauRule(0.10).Judge(With(220 * Mib), 60).Plateaued);
        Assert.False(new PlateauRule(0.10).Judge(With((220 * Mib) + 1), 60).Plateaued);
    }

    [Fact]
    public void TooFewReadingsInAThird_Undecided()
    {
        List<MemoryReading> readings = [new(1, 100 * Mib), new(25, 100 * Mib), new(30, 100 * Mib), new(50, 100 * Mib)];

        var verdict = new PlateauRule().Judge(readings, 60);

        Assert.False(verdict.Decided);
        Assert.False(verdict.Plateaued);
        Assert.StartsWith("undecided: 2 readings in the middle third and 1 in the last", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_StatesTheToleranceAndTheThirds()
    {
        var text = new PlateauRule(0.15).Describe();

        Assert.Contains("at most 15 % above its highest RSS in the middle third", text, StringComparison.Ordinal);
        Assert.Contains("warm-up excluded", text, StringComparison.Ordinal);
    }
}
