namespace Tally.Bench.Load;

/// <summary>
/// Latencies in log-spaced buckets, so that a long soak keeps a fixed amount of memory: bucket <c>i</c> holds values in
/// [1 µs · 1.01^i, 1 µs · 1.01^(i+1)), so a reported percentile is within 1 % of the true value (the bucket's upper bound).
/// Values under 1 µs go to the first bucket, values beyond the last (about 6 hours) to the last. Count, mean, min and
/// max are exact. Not thread-safe: one histogram per worker, merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    /// <summary>Relative width of a bucket.</summary>
    public const double Growth = 1.01;

    private const double FirstMs = 0.001;
    private const int Buckets = 2400;
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _counts = new long[Buckets];

    public long Count { get; private set; }
    public double SumMs { get; private set; }
    public double MinMs { get; private set; } = double.PositiveInfinity;
    public double MaxMs { get; private set; } = double.NegativeInfinity;
    public double MeanMs => Count == 0 ? double.NaN : SumMs / Count;

    public void Record(double ms)
    {
        if (double.IsNaN(ms) || ms < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ms), ms, "a latency is a non-negative number of milliseconds.");
        }

        _counts[BucketOf(ms)]++;
        Count++;
        SumMs += ms;
        MinMs = Math.Min(MinMs, ms);
        MaxMs = Math.Max(MaxMs, ms);
    }

    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < Buckets; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        SumMs += other.SumMs;
        MinMs = Math.Min(MinMs, other.MinMs);
        MaxMs = Math.Max(MaxMs, other.MaxMs);
    }

    /// <summary>
    /// The nearest-rank percentile (<paramref name="p"/> in (0, 1]): the smallest recorded value with at least p·Count
    /// values at or below it, given as its bucket's upper bound capped to the exact max (and raised to the exact min).
    /// NaN when nothing was recorded.
    /// </summary>
    public double Percentile(double p)
    {
        if (p is <= 0 or > 1 || double.IsNaN(p))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "a percentile is in (0, 1].");
        }

        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = Math.Clamp((long)Math.Ceiling(p * Count), 1, Count);
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return i == Buckets - 1 ? MaxMs : Math.Clamp(UpperBound(i), MinMs, MaxMs);
            }
        }

        return MaxMs;
    }

    private static int BucketOf(double ms) =>
        ms <= FirstMs ? 0 : Math.Min(Buckets - 1, (int)Math.Floor(Math.Log(ms / FirstMs) / LogGrowth));

    private static double UpperBound(int bucket) => FirstMs * Math.Pow(Growth, bucket + 1);
}
