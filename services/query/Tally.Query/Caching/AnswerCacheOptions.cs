using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Tally.Query.Caching;

/// <summary>
/// Where answers are cached. Bound from "Tally:Cache" and validated at start. The in-process cache's size and entry
/// lifetime stay under Tally:Query (CacheSizeLimitBytes, CacheEntryLifetime); Tally:Query:CacheEnabled=false turns
/// caching off whatever the provider.
/// </summary>
public sealed class AnswerCacheOptions
{
    public const string Section = "Tally:Cache";

    /// <summary>"memory" (one cache per query process; the embedded default) or "redis" (shared by every query process).</summary>
    [Required, RegularExpression("^(memory|redis)$", ErrorMessage = "Tally:Cache:Provider must be 'memory' or 'redis'.")]
    public string Provider { get; set; } = "memory";

    /// <summary>StackExchange.Redis configuration string, e.g. "127.0.0.1:6379,password=…"; required for "redis".</summary>
    public string? Redis { get; set; }

    /// <summary>Prepended to every Redis key: answers are prefix + the key's hex hash, tag indexes prefix + "tag:" + tag.</summary>
    [Required, MinLength(1)]
    public string KeyPrefix { get; set; } = "tally:answers:";

    /// <summary>How long an answer (and a tag index, from its newest member on) lives in Redis.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Longest wait for Redis on the request path (a read, or the write after a computation). Slower than this,
    /// the answer is computed (or not stored) and the bypass counted.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// After this many timeouts or errors in a row Redis is not asked at all for <see cref="BreakDuration"/>. More than
    /// one, so that a single scheduling pause on a busy host does not send all traffic to computing for a second.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1000, ErrorMessage = "Tally:Cache:BreakAfter must lie between 1 and 1000.")]
    public int BreakAfter { get; set; } = 3;

    /// <summary>Once <see cref="BreakAfter"/> failures came in a row, Redis is not asked at all for this long (requests go straight to computing).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for an eviction by tag (bus consumers; a failure is retried by the bus).</summary>
    public TimeSpan EvictionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long host start waits for the first Redis connection before serving without it (it keeps trying).</summary>
    public TimeSpan StartupWait { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>Checks the combinations DataAnnotations cannot express, with messages that name the setting.</summary>
internal sealed class AnswerCacheOptionsValidator : IValidateOptions<AnswerCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, AnswerCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Provider == "redis" && string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add("Tally:Cache:Redis (a StackExchange.Redis configuration string such as \"127.0.0.1:6379\") is required when Tally:Cache:Provider is 'redis'.");
        }

        Positive(failures, "Ttl", options.Ttl, TimeSpan.FromMilliseconds(1));
        Positive(failures, "Timeout", options.Timeout, TimeSpan.FromMilliseconds(1));
        Positive(failures, "EvictionTimeout", options.EvictionTimeout, TimeSpan.FromMilliseconds(1));
        if (options.BreakDuration < TimeSpan.Zero)
        {
            failures.Add($"Tally:Cache:BreakDuration must not be negative (got {options.BreakDuration}).");
        }

        if (options.StartupWait < TimeSpan.Zero)
        {
            failures.Add($"Tally:Cache:StartupWait must not be negative (got {options.StartupWait}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string setting, TimeSpan value, TimeSpan minimum)
    {
        if (value < minimum)
        {
            failures.Add($"Tally:Cache:{setting} must be at least {minimum.TotalMilliseconds} ms (got {value}).");
        }
    }
}
