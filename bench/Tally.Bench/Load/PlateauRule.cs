using System.Globalization;

namespace Tally.Bench.Load;

/// <summary>One reading of a process's memory, <paramref name="Seconds"/> after the measured window began (negative in the warm-up).</summary>
internal readonly record struct MemoryReading(double Seconds, long Bytes);

/// <summary>What <see cref="PlateauRule.Judge"/> concluded for one process.</summary>
/// <param name="Decided">False when a third of the window had too few readings to judge (the run then fails: unproven).</param>
/// <param name="Plateaued">The last third's peak is within the tolerance of the middle third's.</param>
/// <param name="MiddleMaxBytes">Highest reading in the middle third of the window.</param>
/// <param name="LastMaxBytes">Highest reading in the last third.</param>
/// <param name="GrowthPercent">How far the last third's peak is above the middle third's, in percent (negative: below).</param>
/// <param name="Reason">One sentence a person can read in the results file.</param>
internal sealed record PlateauVerdict(bool Decided, bool Plateaued, long MiddleMaxBytes, long LastMaxBytes, double GrowthPercent, string Reason);

/// <summary>
/// "Memory must plateau", made checkable: the measured window (warm-up excluded) is cut into thirds by time; a process
/// plateaus when the highest reading of the last third is at most <see cref="Tolerance"/> above the highest reading of
/// the middle third. The first third is left out: caches, pools and the GC's budgets fill there. Peaks are compared
/// rather than means because a collection drops RSS at random moments; a leak lifts every peak.
/// </summary>
internal sealed record PlateauRule(double Tolerance = 0.10, int MinReadingsPerThird = 2)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"the measured window (warm-up excluded) is cut into thirds by time; a process plateaus when its highest RSS in the last third is at most {Tolerance * 100:0.#} % above its highest RSS in the middle third (at least {MinReadingsPerThird} readings per third, else the run is undecided and fails)");

    public PlateauVerdict Judge(IReadOnlyList<MemoryReading> readings, double windowSeconds)
    {
        ArgumentNullException.ThrowIfNull(readings);
        if (windowSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(windowSeconds), windowSeconds, "the measured window must be longer than zero.");
        }

        var (from, to) = (windowSeconds / 3, 2 * windowSeconds / 3);
        var middle = readings.Where(r => r.Seconds >= from && r.Seconds < to).ToList();
        var last = readings.Where(r => r.Seconds >= to && r.Seconds <= windowSeconds).ToList();
        if (middle.Count < MinReadingsPerThird || last.Count < MinReadingsPerThird)
        {
            return new PlateauVerdict(false, false, middle.Count == 0 ? 0 : middle.Max(r => r.Bytes), last.Count == 0 ? 0 : last.Max(r => r.Bytes), double.NaN,
                string.Create(CultureInfo.InvariantCulture,
                    $"undecided: {middle.Count} readings in the middle third and {last.Count} in the last (need {MinReadingsPerThird} each; sample more often or run longer)"));
        }

        var middleMax = middle.Max(r => r.Bytes);
        var lastMax = last.Max(r => r.Bytes);
        var growth = middleMax == 0 ? double.PositiveInfinity : (lastMax - middleMax) * 100.0 / middleMax;
        var plateaued = lastMax <= middleMax * (1 + Tolerance);
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"last-third peak {Mib(lastMax)} vs middle-third peak {Mib(middleMax)}: {growth:+0.0;-0.0;0.0} % ({(plateaued ? "within" : "above")} {Tolerance * 100:0.#} %)");
        return new PlateauVerdict(true, plateaued, middleMax, lastMax, growth, reason);
    }

    internal static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.0} MiB");
}
