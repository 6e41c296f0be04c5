namespace Tally.Query.Caching;

/// <summary>One cached response: the serialized message and when it was computed.</summary>
public sealed record CachedAnswer(byte[] Payload, DateTimeOffset ComputedAt);

/// <summary>
/// The answer cache. Keys already contain every version an answer depends on (catalog version, dataset vintages),
/// so a stale entry is never found under a current key; eviction by tag only frees memory early and drops answers
/// that depend on extracted figures, which carry no version. Implementations must not throw for an outage:
/// a failing Get is a miss, a failing Set is ignored (the answer is computed either way).
/// </summary>
public interface IAnswerCache
{
    /// <summary>Tag carried by every entry; evicting it clears the cache.</summary>
    const string AllTag = "all";

    ValueTask<CachedAnswer?> GetAsync(string key, CancellationToken cancellationToken);

    /// <param name="tags">What the answer depends on: "metric:&lt;id&gt;", "dataset:&lt;id&gt;" (AllTag is implied).</param>
    ValueTask SetAsync(string key, CachedAnswer answer, IReadOnlyCollection<string> tags, CancellationToken cancellationToken);

    /// <summary>Drops every entry carrying <paramref name="tag"/>.</summary>
    ValueTask EvictAsync(string tag, CancellationToken cancellationToken);
}

/// <summary>Cache tags.</summary>
public static class CacheTags
{
    public static string Metric(string metricId) => "metric:" + metricId;

    public static string Dataset(string datasetId) => "dataset:" + datasetId;
}
