using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Tally.Query.Caching;

/// <summary>
/// In-process answer cache over <see cref="MemoryCache"/>, bounded by total payload bytes, with a lifetime per entry
/// and eviction by tag: each (tag, catalog version) pair is a cancellation token the entries it covers expire on, so a
/// tag can be evicted whole or only below a catalog version.
/// </summary>
public sealed class MemoryAnswerCache : IAnswerCache, IDisposable
{
    private readonly MemoryCache _cache;
    private readonly TimeSpan _lifetime;
    private readonly ConcurrentDictionary<(string Tag, int CatalogVersion), CancellationTokenSource> _tags = new();

    public MemoryAnswerCache(IOptions<QueryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _lifetime = o.CacheEntryLifetime;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = o.CacheSizeLimitBytes, CompactionPercentage = 0.25 });
    }

    /// <summary>Number of entries held (for tests and diagnostics).</summary>
    public int Count => _cache.Count;

    /// <summary>Tag tokens held, one per (tag, catalog version) with live entries (for tests and diagnostics).</summary>
    public int TagTokens => _tags.Count;

    public string Provider => "memory";

    public ValueTask<CacheLookup> GetAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cache.TryGetValue(key, out CachedAnswer? answer) && answer is not null ? CacheLookup.Hit(answer) : CacheLookup.Miss);

    public ValueTask SetAsync(string key, CachedAnswer answer, int catalogVersion, IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
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
            entry.ExpirationTokens.Add(new CancellationChangeToken(TokenFor(tag, catalogVersion).Token));
        }

        _cache.Set(key, answer, entry);
        return ValueTask.CompletedTask;
    }

    public ValueTask EvictAsync(string tag, CancellationToken cancellationToken) => EvictOlderAsync(tag, int.MaxValue, cancellationToken);

    public ValueTask EvictOlderAsync(string tag, int catalogVersion, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var evicted = false;
        // Every entry carries the all tag: once it is evicted below a version, no live entry depends on any other tag's
        // token below that version either, so those go too (otherwise a token per tag and catalog version would pile up).
        var all = tag == IAnswerCache.AllTag;
        foreach (var held in _tags.Keys.Where(k => k.CatalogVersion < catalogVersion && (all || string.Equals(k.Tag, tag, StringComparison.Ordinal))))
        {
            if (_tags.TryRemove(held, out var source))
            {
                source.Cancel(); // not disposed: a concurrent Set may still read its token (cancelled: the entry expires at once)
                evicted = true;
            }
        }

        if (evicted && all)
        {
            _cache.Compact(0); // expired entries leave now, not at the next access
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

    private CancellationTokenSource TokenFor(string tag, int catalogVersion) => _tags.GetOrAdd((tag, catalogVersion), _ => new CancellationTokenSource());
}
