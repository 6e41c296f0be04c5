using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Tally.Grpc;
using Tally.Grpc.Interceptors;

namespace Tally.Hosting.Limits;

/// <summary>
/// Per-caller rate limits: one token bucket (System.Threading.RateLimiting) per caller, partitioned by the authenticated
/// name (<c>HttpContext.User.Identity.Name</c>: API key id or JWT subject) when there is one, else by the peer's IP
/// address. A call that finds its bucket empty fails with RESOURCE_EXHAUSTED, the wait in the message and in the
/// <c>retry-after-ms</c> trailer, and <c>tally_limit_rejections_total{limit="rate"}</c> counts it.
/// Health and reflection are never limited (probes and tools), nor loopback callers when ExemptLoopback, nor the
/// names and addresses in ExemptCallers.
/// <para>It must run after authentication, which sets <c>HttpContext.User</c>: register it after the authentication
/// interceptor (interceptors run in the order listed, outermost first).</para>
/// </summary>
public sealed class RateLimitInterceptor : Interceptor, IDisposable
{
    /// <summary>Trailer carrying the wait before a retry can succeed, in whole milliseconds.</summary>
    public const string RetryAfterTrailer = "retry-after-ms";

    private static readonly string[] ExemptPrefixes = ["/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/"];

    private readonly RateLimitOptions _options;
    private readonly LimitMetrics _metrics;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly HashSet<string> _exemptNames = new(StringComparer.Ordinal);
    private readonly List<IPNetwork> _exemptNetworks = [];

    public RateLimitInterceptor(IOptions<LimitsOptions> options, LimitMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.RateLimit;
        _metrics = metrics;
        // Tally's own background calls (the service token's identity) are never limited.
        _exemptNames.Add("service");
        foreach (var entry in _options.ExemptCallers.Select(e => e.Trim()))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                _exemptNetworks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                _exemptNetworks.Add(new IPNetwork(Normalize(address), Normalize(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                _exemptNames.Add(entry);
            }
        }

        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.TokenLimit,
            TokensPerPeriod = _options.TokensPerPeriod,
            ReplenishmentPeriod = _options.ReplenishmentPeriod,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => bucket));
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Admit(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Admit(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Admit(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Admit(context);
        return continuation(requestStream, responseStream, context);
    }

    /// <summary>Takes a token from the caller's bucket, or throws RESOURCE_EXHAUSTED with the wait.</summary>
    private void Admit(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_options.Enabled || ExemptPrefixes.Any(p => context.Method.StartsWith(p, StringComparison.Ordinal)))
        {
            return;
        }

        var http = context.GetHttpContext();
        var identity = http.User?.Identity;
        var name = identity is { IsAuthenticated: true, Name: { Length: > 0 } n } ? n : null;
        var address = http.Connection.RemoteIpAddress is { } remote ? Normalize(remote) : null;
        // No remote address: an in-process transport (a test server), more local still than loopback.
        var local = address is null || IPAddress.IsLoopback(address);
        if ((name is not null && _exemptNames.Contains(name))
            || (_options.ExemptLoopback && local)
            || (address is not null && _exemptNetworks.Any(net => net.Contains(address))))
        {
            return;
        }

        var key = name is not null ? "name:" + name : "ip:" + (address?.ToString() ?? "in-process");
        using var lease = _limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return;
        }

        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _options.ReplenishmentPeriod;
        var ms = Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds));
        _metrics.Rejected("rate", "rpc");
        var who = name is not null ? $"caller '{name}'" : $"address {address?.ToString() ?? "(in-process)"}";
        throw new RpcException(new Status(StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
                $"Rate limit exceeded for {who}: at most {_options.TokenLimit} calls in a burst and {_options.TokensPerPeriod} per {_options.ReplenishmentPeriod} " +
                $"(Tally:Limits:RateLimit). Retry after {ms} ms.")),
            new Metadata { { RetryAfterTrailer, ms.ToString(CultureInfo.InvariantCulture) } });
    }

    /// <summary>IPv4 addresses arrive as IPv4-mapped IPv6 on a dual-stack socket; compare them as IPv4.</summary>
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public void Dispose() => _limiter.Dispose();
}
