using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Tally.Messaging;

/// <summary>
/// The bus's Prometheus series (meter "Tally.Messaging"): <c>tally_bus_published_total{message_type}</c> (events the
/// outbox relays published), <c>tally_bus_consumed_total{message_type,result}</c> (consume attempts: ok, retry — failed
/// and will be tried again —, error — failed for good, moved to the error queue) and <c>tally_outbox_backlog{outbox}</c>
/// (events committed and not yet published, per owning database).
/// </summary>
public sealed class BusMetrics
{
    public const string MeterName = "Tally.Messaging";

    /// <summary>The message_type of a message whose body could not be read.</summary>
    public const string UnknownType = "unknown";

    private readonly Counter<long> _published;
    private readonly Counter<long> _consumed;
    private readonly ConcurrentDictionary<string, long> _backlog = new(StringComparer.Ordinal);

    public BusMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("tally_bus_published_total", description: "Events published on the bus by the outbox relay, by message type.");
        _consumed = meter.CreateCounter<long>("tally_bus_consumed_total",
            description: "Event consume attempts, by message type and result: ok, retry (failed, will be retried), error (failed for good, in the error queue).");
        meter.CreateObservableGauge("tally_outbox_backlog", ObserveBacklog, description: "Events committed to an outbox and not yet published, per outbox.");
    }

    public void Published(string messageType) => _published.Add(1, new KeyValuePair<string, object?>("message_type", messageType));

    /// <summary>One consume attempt; <paramref name="result"/> is "ok", "retry" or "error".</summary>
    public void Consumed(string messageType, string result) =>
        _consumed.Add(1, new KeyValuePair<string, object?>("message_type", messageType), new KeyValuePair<string, object?>("result", result));

    /// <summary>The backlog last counted in <paramref name="outbox"/> (the owner name).</summary>
    public void Backlog(string outbox, long count) => _backlog[outbox] = count;

    /// <summary>The backlog last counted in <paramref name="outbox"/>, or null before the first count.</summary>
    public long? BacklogOf(string outbox) => _backlog.TryGetValue(outbox, out var count) ? count : null;

    private IEnumerable<Measurement<long>> ObserveBacklog() =>
        _backlog.Select(b => new Measurement<long>(b.Value, new KeyValuePair<string, object?>("outbox", b.Key)));
}
