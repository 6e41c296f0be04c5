namespace Tally.Telemetry;

/// <summary>Which meters are exported and what else goes on the scrape. Bound from "Tally:Telemetry".</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Meters to export. An entry matches the meter of that exact name and its dotted children
    /// ("Tally" matches "Tally" and "Tally.Grpc", not "TallyHo"); an entry ending in '.' or '*' is a plain
    /// name prefix. Configuration binding appends to the default list.
    /// </summary>
    public IList<string> Meters { get; } = new List<string> { "Tally" };

    /// <summary>Emit process_* gauges and counters (CPU, memory, file descriptors, start time).</summary>
    public bool ProcessMetrics { get; set; } = true;

    /// <summary>Emit dotnet_* runtime metrics (GC, heap, thread pool, exceptions).</summary>
    public bool RuntimeMetrics { get; set; } = true;

    /// <summary>Histogram bucket upper bounds used when an instrument gives no advice.</summary>
    public IReadOnlyList<double> DefaultHistogramBuckets { get; set; } =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    internal bool MatchesMeter(string meterName)
    {
        foreach (var entry in Meters)
        {
            if (string.IsNullOrEmpty(entry)) continue;
            if (entry[^1] is '.' or '*')
            {
                if (meterName.StartsWith(entry.TrimEnd('*'), StringComparison.Ordinal)) return true;
            }
            else if (meterName.Equals(entry, StringComparison.Ordinal)
                     || (meterName.Length > entry.Length && meterName[entry.Length] == '.'
                         && meterName.StartsWith(entry, StringComparison.Ordinal)))
            {
                return true;
            }
        }
        return false;
    }
}
