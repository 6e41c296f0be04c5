using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.ExceptionServices;
using System.Text;
using Tally.Telemetry.Internal;

namespace Tally.Telemetry;

/// <summary>
/// Listens to the configured <see cref="Meter"/>s and renders everything they measured in the Prometheus text
/// exposition format 0.0.4. Recording is lock-free; scrapes are serialised. Usable without ASP.NET Core.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The Content-Type of a scrape response.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly TelemetryOptions _options;
    private readonly object? _meterScope;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly Lock _collectLock = new();
    private long _exceptions;
    private bool _disposed;

    /// <param name="options">What to export; defaults to meters named "Tally" or "Tally.*", plus process and runtime metrics.</param>
    /// <param name="meterScope">
    /// When given (normally the container's <see cref="IMeterFactory"/>), meters created by another factory are
    /// ignored, so several hosts in one process each export only their own meters. Meters created with
    /// <c>new Meter(...)</c> (no scope) are always eligible.
    /// </param>
    public PrometheusExporter(TelemetryOptions? options = null, object? meterScope = null)
    {
        _options = options ?? new TelemetryOptions();
        _meterScope = meterScope;
        var defaultBuckets = _options.DefaultHistogramBuckets.ToArray();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (!Accepts(instrument.Meter)) return;
                if (InstrumentState.TryCreate(instrument, defaultBuckets) is not { } state) return;
                _instruments[instrument] = state;
                listener.EnableMeasurementEvents(instrument, state);
            },
            MeasurementsCompleted = (instrument, state) => _instruments.TryRemove(instrument, out var _),
        };
        _listener.SetMeasurementEventCallback<byte>(static (_, m, tags, s) => ((InstrumentState)s!).Record(m, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, m, tags, s) => ((InstrumentState)s!).Record(m, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, m, tags, s) => ((InstrumentState)s!).Record(m, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, m, tags, s) => ((InstrumentState)s!).Record(m, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, m, tags, s) => ((InstrumentState)s!).Record(m, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, m, tags, s) => ((InstrumentState)s!).Record(m, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, m, tags, s) => ((InstrumentState)s!).Record((double)m, tags));
        if (_options.RuntimeMetrics) AppDomain.CurrentDomain.FirstChanceException += OnFirstChanceException;
        _listener.Start();
    }

    /// <summary>Renders one scrape as text.</summary>
    public string Collect()
    {
        lock (_collectLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var families = new SortedDictionary<string, MetricFamily>(StringComparer.Ordinal);
            if (_options.ProcessMetrics) BuiltinMetrics.AddProcess(families);
            if (_options.RuntimeMetrics) BuiltinMetrics.AddRuntime(families, Interlocked.Read(ref _exceptions));

            var states = _instruments.Values
                .OrderBy(s => s.Instrument.Meter.Name, StringComparer.Ordinal)
                .ThenBy(s => s.Instrument.Name, StringComparer.Ordinal)
                .ToList();
            foreach (var state in states.Where(s => s.IsObservable)) state.Reset();
            try
            {
                _listener.RecordObservableInstruments();
            }
#pragma warning disable CA1031 // a failing observable callback must not take the whole scrape down
            catch (Exception)
#pragma warning restore CA1031
            {
                // Callbacks that did run have recorded; the failing ones simply have no series this time.
            }

            foreach (var state in states) AddInstrument(families, state);

            var sb = new StringBuilder(4096);
            foreach (var family in families.Values) family.WriteTo(sb);
            return sb.ToString();
        }
    }

    /// <summary>Writes one scrape, UTF-8 encoded, to <paramref name="destination"/>.</summary>
    public async Task WriteAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        await destination.WriteAsync(Utf8.GetBytes(Collect()), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        lock (_collectLock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        AppDomain.CurrentDomain.FirstChanceException -= OnFirstChanceException;
        _listener.Dispose();
    }

    private bool Accepts(Meter meter) =>
        (_meterScope is null || meter.Scope is null || ReferenceEquals(meter.Scope, _meterScope))
        && _options.MatchesMeter(meter.Name);

    private void OnFirstChanceException(object? sender, FirstChanceExceptionEventArgs e) =>
        Interlocked.Increment(ref _exceptions);

    private static void AddInstrument(SortedDictionary<string, MetricFamily> families, InstrumentState state)
    {
        if (!families.TryGetValue(state.Name, out var family))
        {
            family = new MetricFamily(state.Name, state.Type, state.Help, state.Bounds);
            families.Add(state.Name, family);
        }
        else if (family.Type != state.Type
                 || (state.Bounds is not null && !state.Bounds.AsSpan().SequenceEqual(family.Bounds)))
        {
            return; // same name, incompatible shape: the first instrument (by meter, then name) keeps the name
        }

        foreach (var (tags, cell) in state.Series())
        {
            var series = family.SeriesFor(PrometheusText.Labels(tags, state.Type == MetricType.Histogram));
            switch (state.Aggregation)
            {
                case Aggregation.Sum:
                    series.Value += cell.Value;
                    break;
                case Aggregation.LastValue:
                    series.Value = cell.Value;
                    break;
                default:
                    for (var i = 0; i < series.Buckets.Length; i++) series.Buckets[i] += Volatile.Read(ref cell.Buckets[i]);
                    series.Sum += cell.Sum;
                    break;
            }
        }
    }
}
