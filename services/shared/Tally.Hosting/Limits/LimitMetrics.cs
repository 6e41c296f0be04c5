using System.Diagnostics.Metrics;

namespace Tally.Hosting.Limits;

/// <summary>Meter "Tally.Limits": calls refused by a limit.</summary>
public sealed class LimitMetrics
{
    public const string MeterName = "Tally.Limits";

    private readonly Counter<long> _rejected;

    public LimitMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _rejected = meter.CreateCounter<long>("tally_limit_rejections_total",
            description: "Calls refused with RESOURCE_EXHAUSTED by a limit: limit=rate (per-caller token bucket) or concurrency (expensive work queue full), scope = the gate or \"rpc\".");
    }

    /// <summary>A call was refused by <paramref name="limit"/> ("rate" or "concurrency") in <paramref name="scope"/>.</summary>
    public void Rejected(string limit, string scope) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("limit", limit), new KeyValuePair<string, object?>("scope", scope));
}
