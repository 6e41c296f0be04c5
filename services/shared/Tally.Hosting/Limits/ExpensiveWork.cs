using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Tally.Grpc;

namespace Tally.Hosting.Limits;

/// <summary>The kinds of expensive work a host bounds (Tally:Limits:Concurrency:&lt;name&gt;).</summary>
public enum ExpensiveWorkKind
{
    /// <summary>Query: an answer computed because it was not cached.</summary>
    QueryCompute,

    /// <summary>Ingestion: ComputeMetric.</summary>
    ComputeMetric,

    /// <summary>Ingestion: an IngestDataset load.</summary>
    DatasetLoad,
}

/// <summary>
/// One <see cref="ConcurrencyLimiter"/> per kind of expensive work: at most MaxConcurrent run, MaxQueued more wait
/// (oldest first, each until a permit frees or its caller gives up); beyond that the call fails at once with
/// RESOURCE_EXHAUSTED "server busy, retry" and <c>tally_limit_rejections_total{limit="concurrency"}</c> counts it.
/// The kinds have separate gates, so work holding one (an answer) can wait on another (ComputeMetric) without
/// deadlock. Singleton; one per process (the all-in-one shares it between its services).
/// </summary>
public sealed class ExpensiveWork : IDisposable
{
    private readonly Dictionary<ExpensiveWorkKind, (ConcurrencyLimiter Limiter, GateOptions Options)> _gates = [];
    private readonly LimitMetrics _metrics;

    public ExpensiveWork(IOptions<LimitsOptions> options, LimitMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        _metrics = metrics;
        var concurrency = options.Value.Concurrency;
        foreach (var kind in Enum.GetValues<ExpensiveWorkKind>())
        {
            var gate = kind switch
            {
                ExpensiveWorkKind.QueryCompute => concurrency.QueryCompute,
                ExpensiveWorkKind.ComputeMetric => concurrency.ComputeMetric,
                _ => concurrency.DatasetLoad,
            };
            _gates[kind] = (new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = gate.MaxConcurrent,
                QueueLimit = gate.MaxQueued,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }), gate);
        }
    }

    /// <summary>Work of this kind running now (for tests and diagnostics).</summary>
    public long Running(ExpensiveWorkKind kind)
    {
        var (limiter, gate) = _gates[kind];
        return gate.MaxConcurrent - (limiter.GetStatistics()?.CurrentAvailablePermits ?? gate.MaxConcurrent);
    }

    /// <summary>Work of this kind waiting for a permit.</summary>
    public long Queued(ExpensiveWorkKind kind) => _gates[kind].Limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>
    /// Waits for a permit (bounded queue). Dispose the lease when the work is done. Throws RESOURCE_EXHAUSTED when the
    /// queue is full; <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires while waiting.
    /// </summary>
    public async ValueTask<RateLimitLease> EnterAsync(ExpensiveWorkKind kind, CancellationToken cancellationToken)
    {
        var (limiter, gate) = _gates[kind];
        var lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        _metrics.Rejected("concurrency", kind.ToString());
        throw new RpcException(new Status(StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
            $"Server busy, retry: {gate.MaxConcurrent} {Describe(kind)} are running and {gate.MaxQueued} more are queued " +
            $"(Tally:Limits:Concurrency:{kind}:MaxConcurrent / MaxQueued). Retry in a few seconds, with backoff.")));
    }

    private static string Describe(ExpensiveWorkKind kind) => kind switch
    {
        ExpensiveWorkKind.QueryCompute => "answer computations",
        ExpensiveWorkKind.ComputeMetric => "metric computations",
        _ => "dataset loads",
    };

    public void Dispose()
    {
        foreach (var (limiter, _) in _gates.Values)
        {
            limiter.Dispose();
        }
    }
}
