namespace Tally.Query.Caching;

/// <summary>One cached response: the serialized message (possibly a slice of a larger buffer: never copied) and when it was computed.</summary>
public sealed record CachedAnswer(ReadOnlyMemory<byte> Payload, DateTimeOffset ComputedAt);

/// <summary>What a lookup found: an answer (hit), nothing (miss), or nothing because the cache could not be read in time.</summary>
public readonly record struct CacheLookup(CachedAnswer? Answer, string? UnavailableReason)
{
    public static CacheLookup Miss => default;

    /// <summary>True when the cache was unreachable or too slow: the caller computes, and counts a bypass.</summary>
    public bool Unavailable => UnavailableReason is not null;

    public static CacheLookup Hit(CachedAnswer answer) => new(answer, null);

    /// <param name="reason">Why, for logs: "connecting", "disconnected", "timeout", "breaker open", an error message.</param>
    public static CacheLookup Bypassed(string reason) => new(null, reason);
}

/// <summary>
/// The answer cache. Keys already contain every version an answer depends on (catalog version, dataset vintages),
/// so a stale entry is never found under a current key; eviction by tag only frees space early and drops answers
/// that depend on extracted figures, which carry no version. On the request path implementations must not throw
/// for an outage and must not make the caller wait long: an unreadable cache is <see cref="CacheLookup.Bypassed"/>,
/// a failing Set is ignored (the answer is computed either way). Eviction may throw, so that the bus retries the
/// event that asked for it.
/// <para>
/// Every entry is stored with the catalog version it was computed at, so a definition change can free only the entries
/// of older catalogs (<see cref="EvictOlderAsync"/>): an answer computed from the new catalog before the event arrived
/// stays, whatever the order in which the event and the answer reach the cache.
/// </para>
/// </summary>
public interface IAnswerCache
{
    /// <summary>Tag carried by every entry; evicting it clears the cache.</summary>
    const string AllTag = "all";

    /// <summary>"memory" or "redis" (which cache served a hit).</summary>
    string Provider { get; }

    ValueTask<CacheLookup> GetAsync(string key, CancellationToken cancellationToken);

    /// <param name="catalogVersion">The catalog version the answer was computed at.</param>
    /// <param name="tags">What the answer depends on: "metric:&lt;id&gt;", "dataset:&lt;id&gt;" (AllTag is implied).</param>
    ValueTask SetAsync(string key, CachedAnswer answer, int catalogVersion, IReadOnlyCollection<string> tags, CancellationToken cancellationToken);

    /// <summary>Drops every entry carrying <paramref name="tag"/>, whatever its catalog version.</summary>
    ValueTask EvictAsync(string tag, CancellationToken cancellationToken);

    /// <summary>Drops the entries carrying <paramref name="tag"/> that were computed at a catalog version below <paramref name="catalogVersion"/>.</summary>
    ValueTask EvictOlderAsync(string tag, int catalogVersion, CancellationToken cancellationToken);
}

/// <summary>Cache tags.</summary>
public static class CacheTags
{
    public static string Metric(string metricId) => "metric:" + metricId;

    public static string Dataset(string datasetId) => "dataset:" + datasetId;
}
