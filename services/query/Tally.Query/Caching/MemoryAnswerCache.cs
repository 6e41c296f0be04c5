using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Tally.Query.Caching;

/// <summary>
/// In-process answer cache over <see cref="MemoryCache"/>, bounded by total payload bytes, with a lifetime per entry
/// and eviction by tag (each tag is a cancellation token the entries it covers expire on).
/// </summary>
public sealed class MemoryAnswerCache : IAnswerCache, IDisposable
{
    private readonly MemoryCache _cache;
    private readonly TimeSpan _lifetime;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _tags = new(StringComparer.Ordinal);

    public MemoryAnswerCache(IOptions<QueryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _lifetime = o.CacheEntryLifetime;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = o.CacheSizeLimitBytes, CompactionPercentage = 0.25 });
    }

    /// <summary>Number of entries held (for tests and diagnostics).</summary>
    public int Count => _cache.Count;

    public string Provider => "memory";

    public ValueTask<CacheLookup> GetAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cache.TryGetValue(key, out CachedAnswer? answer) && answer is not null ? CacheLookup.Hit(answer) : CacheLookup.Miss);

    public ValueTask SetAsync(string key, CachedAnswer answer, IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(tags);
        var entry = new MemoryCacheEntryOptions
        {
            Size = Math.Max(1, answer.Payload.Length),
            AbsoluteExpirationRelativeToNow = _lifetime,
        };
        foreach (var tag in tags.Append(IAnswerCache.AllTag).Distinct(StringComparer.Ordinal))
        {
            entry.ExpirationTokens.Add(new CancellationChangeToken(TokenFor(tag).Token));
        }

        _cache.Set(key, answer, entry);
        return ValueTask.CompletedTask;
    }

    public ValueTask EvictAsync(string tag, CancellationToken cancellationToken)
    {
        if (_tags.TryRemove(tag, out var source))
        {
            source.Cancel();
            source.Dispose();
        }

        if (tag == IAnswerCache.AllTag)
        {
            _cache.Compact(1.0);
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        _cache.Dispose();
        foreach (var source in _tags.Values)
        {
            source.Dispose();
        }
    }

    private CancellationTokenSource TokenFor(string tag) => _tags.GetOrAdd(tag, _ => new CancellationTokenSource());
}
