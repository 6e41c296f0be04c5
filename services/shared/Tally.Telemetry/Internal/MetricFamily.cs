using System.Text;

namespace Tally.Telemetry.Internal;

/// <summary>One series at scrape time; series whose labels coincide are merged into one.</summary>
internal sealed class SeriesSnapshot
{
    public double Value { get; set; }
    public double Sum { get; set; }
    public long[] Buckets { get; init; } = [];
}

/// <summary>One metric family at scrape time: a single HELP and TYPE, then its series in label order.</summary>
internal sealed class MetricFamily(string name, MetricType type, string help, double[]? bounds)
{
    public string Name { get; } = name;
    public MetricType Type { get; } = type;
    public string Help { get; } = help;
    public double[]? Bounds { get; } = bounds;
    public SortedDictionary<string, SeriesSnapshot> Series { get; } = new(StringComparer.Ordinal);

    public SeriesSnapshot SeriesFor(string labels)
    {
        if (!Series.TryGetValue(labels, out var series))
        {
            series = new SeriesSnapshot { Buckets = Bounds is null ? [] : new long[Bounds.Length + 1] };
            Series.Add(labels, series);
        }
        return series;
    }

    public void WriteTo(StringBuilder sb)
    {
        if (Series.Count == 0) return;
        sb.Append("# HELP ").Append(Name).Append(' ').Append(PrometheusText.EscapeHelp(Help)).Append('\n');
        sb.Append("# TYPE ").Append(Name).Append(' ').Append(Type switch
        {
            MetricType.Counter => "counter",
            MetricType.Gauge => "gauge",
            _ => "histogram",
        }).Append('\n');
        foreach (var (labels, series) in Series)
        {
            if (Type != MetricType.Histogram)
            {
                Sample(sb, Name, labels, null, series.Value);
                continue;
            }
            long cumulative = 0;
            for (var i = 0; i < series.Buckets.Length; i++)
            {
                cumulative += series.Buckets[i];
                var le = i < Bounds!.Length ? PrometheusText.FormatValue(Bounds[i]) : "+Inf";
                Sample(sb, Name + "_bucket", labels, le, cumulative);
            }
            Sample(sb, Name + "_sum", labels, null, series.Sum);
            Sample(sb, Name + "_count", labels, null, cumulative); // equals the +Inf bucket by construction
        }
    }

    private static void Sample(StringBuilder sb, string name, string labels, string? le, double value)
    {
        sb.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            sb.Append('{').Append(labels);
            if (le is not null) sb.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
            sb.Append('}');
        }
        sb.Append(' ').Append(PrometheusText.FormatValue(value)).Append('\n');
    }
}
