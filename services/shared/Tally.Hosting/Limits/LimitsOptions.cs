using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Tally.Hosting.Limits;

/// <summary>
/// Limits every Tally host applies at its gRPC edge. Section "Tally:Limits" (env <c>Tally__Limits__RateLimit__TokenLimit</c>
/// etc.), validated at start; docs/configuration.md and docs/security.md ("Limits") describe each setting.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Tally:Limits";

    /// <summary>Per-caller token buckets (<see cref="RateLimitInterceptor"/>).</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Bounded concurrency and queue around the expensive computations (<see cref="ExpensiveWork"/>).</summary>
    public ConcurrencyOptions Concurrency { get; set; } = new();

    /// <summary>Default deadlines of calls to other Tally services (<see cref="DefaultDeadlineInterceptor"/>).</summary>
    public DeadlineOptions Deadlines { get; set; } = new();
}

/// <summary>"Tally:Limits:RateLimit": one token bucket per caller (authenticated name, else peer IP address).</summary>
public sealed class RateLimitOptions
{
    /// <summary>False turns per-caller rate limiting off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Bucket size: the most calls a caller may make in a burst.</summary>
    public int TokenLimit { get; set; } = 200;

    /// <summary>Tokens put back into each bucket every <see cref="ReplenishmentPeriod"/> (the sustained rate).</summary>
    public int TokensPerPeriod { get; set; } = 100;

    /// <summary>How often buckets are refilled with <see cref="TokensPerPeriod"/> tokens.</summary>
    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Calls from loopback addresses (127.0.0.0/8, ::1) are not limited. The embedded default listens on loopback only,
    /// where the callers are the machine's own user and the process's own calls between its services (one Ask fans out
    /// into several); in a pod, loopback is the pod itself. Set false to limit them too.
    /// </summary>
    public bool ExemptLoopback { get; set; } = true;

    /// <summary>
    /// Callers never limited: authenticated names (API key ids, JWT subjects, e.g. the other services' keys) or peer IP
    /// addresses / CIDR ranges ("10.0.0.0/8").
    /// </summary>
    public List<string> ExemptCallers { get; set; } = [];
}

/// <summary>"Tally:Limits:Concurrency": one gate per kind of expensive work.</summary>
public sealed class ConcurrencyOptions
{
    /// <summary>Query: computing an answer that is not cached (Ask, CheckClaim, RenderBrief, GetFigure, GetSeries).</summary>
    public GateOptions QueryCompute { get; set; } = new() { MaxConcurrent = 8, MaxQueued = 100 };

    /// <summary>Ingestion: ComputeMetric (aggregations over an ingested dataset).</summary>
    public GateOptions ComputeMetric { get; set; } = new() { MaxConcurrent = 4, MaxQueued = 64 };

    /// <summary>Ingestion: IngestDataset loads (parse, stage, check, switch vintages).</summary>
    public GateOptions DatasetLoad { get; set; } = new() { MaxConcurrent = 2, MaxQueued = 8 };

    internal IEnumerable<(string Name, GateOptions Gate)> All() =>
        [(nameof(QueryCompute), QueryCompute), (nameof(ComputeMetric), ComputeMetric), (nameof(DatasetLoad), DatasetLoad)];
}

/// <summary>How many may run at once, and how many more may wait (oldest first) before callers hear "busy".</summary>
public sealed class GateOptions
{
    public int MaxConcurrent { get; set; } = 4;

    public int MaxQueued { get; set; } = 16;
}

/// <summary>"Tally:Limits:Deadlines": deadlines of outgoing calls to other Tally services when the caller sets none.</summary>
public sealed class DeadlineOptions
{
    /// <summary>Unary and server-streaming calls.</summary>
    public TimeSpan Default { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Client- and bidirectional-streaming calls (uploads), or null (the default) for none: an upload takes as long as
    /// its file. An inbound call's own deadline still bounds them.
    /// </summary>
    public TimeSpan? Streaming { get; set; }
}

/// <summary>Checks <see cref="LimitsOptions"/> at start; every message names the setting.</summary>
internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var failures = new List<string>();
        const string p = LimitsOptions.Section + ":";
        var rate = options.RateLimit;
        Range(failures, p + "RateLimit:TokenLimit", rate.TokenLimit, 1, 1_000_000);
        Range(failures, p + "RateLimit:TokensPerPeriod", rate.TokensPerPeriod, 1, 1_000_000);
        if (rate.ReplenishmentPeriod < TimeSpan.FromMilliseconds(10) || rate.ReplenishmentPeriod > TimeSpan.FromHours(1))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{p}RateLimit:ReplenishmentPeriod must lie between 00:00:00.010 and 01:00:00 (got {rate.ReplenishmentPeriod})"));
        }

        foreach (var caller in rate.ExemptCallers)
        {
            if (string.IsNullOrWhiteSpace(caller))
            {
                failures.Add($"{p}RateLimit:ExemptCallers must not hold empty entries");
            }
            else if (caller.Trim().Split('/') is [var ip, _] && IPAddress.TryParse(ip, out _) && !IPNetwork.TryParse(caller.Trim(), out _))
            {
                failures.Add($"{p}RateLimit:ExemptCallers entry \"{caller}\" looks like a CIDR range but is not one (e.g. 10.0.0.0/8)");
            }
        }

        foreach (var (gateName, gate) in options.Concurrency.All())
        {
            Range(failures, $"{p}Concurrency:{gateName}:MaxConcurrent", gate.MaxConcurrent, 1, 10_000);
            Range(failures, $"{p}Concurrency:{gateName}:MaxQueued", gate.MaxQueued, 0, 1_000_000);
        }

        var d = options.Deadlines;
        if (d.Default < TimeSpan.FromMilliseconds(100) || d.Default > TimeSpan.FromHours(24))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{p}Deadlines:Default must lie between 00:00:00.100 and 1.00:00:00 (got {d.Default})"));
        }

        if (d.Streaming is { } s && (s < TimeSpan.FromMilliseconds(100) || s > TimeSpan.FromDays(7)))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{p}Deadlines:Streaming must be empty (none) or lie between 00:00:00.100 and 7.00:00:00 (got {s})"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{setting} must be between {min} and {max} (got {value})"));
        }
    }
}
