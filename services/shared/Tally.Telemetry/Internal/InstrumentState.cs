using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Tally.Telemetry.Internal;

internal enum MetricType { Counter, Gauge, Histogram }

internal enum Aggregation { Sum, LastValue, Histogram }

/// <summary>The running value of one series. Updated with Interlocked operations only; never locked.</summary>
internal sealed class Cell(int bucketCount)
{
    private double _value;
    private double _sum;

    public long[] Buckets { get; } = bucketCount == 0 ? [] : new long[bucketCount];

    public double Value => Volatile.Read(ref _value);

    public double Sum => Volatile.Read(ref _sum);

    public void Add(double value) => AddDouble(ref _value, value);

    public void Set(double value) => Volatile.Write(ref _value, value);

    public void Observe(double value, double[] bounds)
    {
        // Bucket i counts values in (bounds[i-1], bounds[i]]; the last bucket is +Inf.
        var i = Array.BinarySearch(bounds, value);
        Interlocked.Increment(ref Buckets[i >= 0 ? i : ~i]);
        AddDouble(ref _sum, value);
    }

    private static void AddDouble(ref double target, double value)
    {
        var current = Volatile.Read(ref target);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref target, current + value, current);
            if (seen.Equals(current)) return; // Equals, not ==, so a NaN total cannot spin forever
            current = seen;
        }
    }
}

/// <summary>Everything the exporter keeps for one instrument: its Prometheus identity and its series.</summary>
internal sealed class InstrumentState
{
    private readonly ConcurrentDictionary<TagSet, Cell> _cells = new(TagSetComparer.Instance);
    private readonly ConcurrentDictionary<TagSet, Cell>.AlternateLookup<TagSpan> _lookup;
    private Cell? _untagged;

    private InstrumentState(Instrument instrument, MetricType type, Aggregation aggregation, bool observable, double[]? bounds)
    {
        Instrument = instrument;
        Type = type;
        Aggregation = aggregation;
        IsObservable = observable;
        Bounds = bounds;
        Name = PrometheusText.FamilyName(instrument.Name, instrument.Unit, type);
        Help = string.IsNullOrWhiteSpace(instrument.Description)
            ? $"{instrument.Name} (meter {instrument.Meter.Name})"
            : instrument.Description;
        _lookup = _cells.GetAlternateLookup<TagSpan>();
    }

    public Instrument Instrument { get; }
    public string Name { get; }
    public string Help { get; }
    public MetricType Type { get; }
    public Aggregation Aggregation { get; }
    public bool IsObservable { get; }
    public double[]? Bounds { get; }

    public static InstrumentState? TryCreate(Instrument instrument, IReadOnlyList<double> defaultBuckets)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>)) return new(instrument, MetricType.Counter, Aggregation.Sum, false, null);
        if (definition == typeof(UpDownCounter<>)) return new(instrument, MetricType.Gauge, Aggregation.Sum, false, null);
        if (definition == typeof(Gauge<>)) return new(instrument, MetricType.Gauge, Aggregation.LastValue, false, null);
        if (definition == typeof(ObservableCounter<>)) return new(instrument, MetricType.Counter, Aggregation.LastValue, true, null);
        if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>))
        {
            return new(instrument, MetricType.Gauge, Aggregation.LastValue, true, null);
        }
        if (definition == typeof(Histogram<>))
        {
            return new(instrument, MetricType.Histogram, Aggregation.Histogram, false, BucketBounds(instrument, defaultBuckets));
        }
        return null;
    }

    /// <summary>Hot path: called for every measurement, from any thread.</summary>
    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value) && Aggregation != Aggregation.LastValue) return; // NaN would poison a sum forever
        var cell = tags.IsEmpty ? _untagged ?? UntaggedSlow() : Find(tags);
        switch (Aggregation)
        {
            case Aggregation.Sum: cell.Add(value); break;
            case Aggregation.LastValue: cell.Set(value); break;
            default: cell.Observe(value, Bounds!); break;
        }
    }

    /// <summary>Observable instruments report afresh at each scrape; series not reported again disappear.</summary>
    public void Reset()
    {
        _cells.Clear();
        Volatile.Write(ref _untagged, null);
    }

    public IEnumerable<(KeyValuePair<string, object?>[] Tags, Cell Cell)> Series()
    {
        if (Volatile.Read(ref _untagged) is { } untagged) yield return ([], untagged);
        foreach (var pair in _cells) yield return (pair.Key.Tags, pair.Value);
    }

    private Cell Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_lookup.TryGetValue(new TagSpan(tags), out var cell)) return cell;
        return _cells.GetOrAdd(TagSet.From(tags), static (_, state) => state.NewCell(), this);
    }

    private Cell UntaggedSlow()
    {
        Interlocked.CompareExchange(ref _untagged, NewCell(), null);
        return _untagged!;
    }

    private Cell NewCell() => new(Bounds is null ? 0 : Bounds.Length + 1);

    private static double[] BucketBounds(Instrument instrument, IReadOnlyList<double> defaults)
    {
        IEnumerable<double>? advised = instrument switch
        {
            Instrument<double> i => i.Advice?.HistogramBucketBoundaries,
            Instrument<float> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<long> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<int> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<short> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<byte> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            Instrument<decimal> i => i.Advice?.HistogramBucketBoundaries?.Select(static b => (double)b),
            _ => null,
        };
        // Sorted, distinct, finite: +Inf is always added by the exposition itself.
        return (advised ?? defaults).Where(double.IsFinite).Distinct().Order().ToArray();
    }
}
