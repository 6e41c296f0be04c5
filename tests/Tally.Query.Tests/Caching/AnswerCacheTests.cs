using Microsoft.Extensions.Options;
using Tally.Query.Caching;
using Tally.Query.V1;

namespace Tally.Query.Tests.Caching;

/// <summary>The in-process cache, its keys and single-flight for identical concurrent misses.</summary>
public sealed class AnswerCacheTests
{
    private static MemoryAnswerCache NewCache(long limit = 1 << 20) =>
        new(Options.Create(new QueryOptions { CacheSizeLimitBytes = limit, CacheEntryLifetime = TimeSpan.FromMinutes(5) }));

    private static CachedAnswer Entry(int bytes = 16) => new(new byte[bytes], DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task SingleFlight_IdenticalConcurrentMisses_ComputeOnceAndShareTheResult()
    {
        var flight = new SingleFlight<int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var computations = 0;
        var shared = 0;

        var callers = Enumerable.Range(0, 25).Select(_ =>
        {
            var task = flight.RunAsync("same-key", async () =>
            {
                Interlocked.Increment(ref computations);
                await gate.Task;
                return 42;
            }, CancellationToken.None, out var joined);
            if (joined)
            {
                Interlocked.Increment(ref shared);
            }

            return task;
        }).ToList();
        Assert.Equal(1, flight.InFlight);
        gate.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Equal(1, computations);
        Assert.Equal(24, shared);
        Assert.All(results, r => Assert.Equal(42, r));
        Assert.Equal(0, flight.InFlight);
    }

    [Fact]
    public async Task SingleFlight_DifferentKeys_ComputeEach()
    {
        var flight = new SingleFlight<string>();
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => flight.RunAsync($"k{i}", () => Task.FromResult($"v{i}"), CancellationToken.None, out _)));

        Assert.Equal(["v0", "v1", "v2", "v3", "v4"], results);
    }

    [Fact]
    public async Task SingleFlight_Failure_SharedByWaitersAndNextCallComputesAgain()
    {
        var flight = new SingleFlight<int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = flight.RunAsync("k", async () => { await gate.Task; throw new InvalidOperationException("definitions down"); }, CancellationToken.None, out _);
        var second = flight.RunAsync("k", () => Task.FromResult(1), CancellationToken.None, out var joined);
        gate.SetResult();

        Assert.True(joined);
        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second);
        Assert.Equal(7, await flight.RunAsync("k", () => Task.FromResult(7), CancellationToken.None, out _));
    }

    [Fact]
    public async Task SingleFlight_WaiterCancels_SharedComputationStillCompletesForOthers()
    {
        var flight = new SingleFlight<int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        var quitter = flight.RunAsync("k", async () => { await gate.Task; return 5; }, cancel.Token, out _);
        var stayer = flight.RunAsync("k", () => Task.FromResult(0), CancellationToken.None, out _);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quitter);
        gate.SetResult();
        Assert.Equal(5, await stayer);
    }

    [Fact]
    public async Task MemoryCache_EvictByTag_DropsOnlyEntriesCarryingIt()
    {
        using var cache = NewCache();
        await cache.SetAsync("a", Entry(), 1, [CacheTags.Metric("ice-removals")], default);
        await cache.SetAsync("b", Entry(), 1, [CacheTags.Metric("trac-nta-dismissals")], default);

        await cache.EvictAsync(CacheTags.Metric("ice-removals"), default);

        Assert.Null((await cache.GetAsync("a", default)).Answer);
        Assert.NotNull((await cache.GetAsync("b", default)).Answer);
        await cache.EvictAsync(IAnswerCache.AllTag, default);
        Assert.Null((await cache.GetAsync("b", default)).Answer);
    }

    [Fact]
    public async Task MemoryCache_EvictOlder_DropsOnlyEntriesOfOlderCatalogs()
    {
        using var cache = NewCache();
        await cache.SetAsync("at-6", Entry(), 6, [CacheTags.Metric("ice-removals")], default);
        await cache.SetAsync("at-7", Entry(), 7, [CacheTags.Metric("ice-removals")], default);
        await cache.SetAsync("at-8", Entry(), 8, [], default);

        await cache.EvictOlderAsync(IAnswerCache.AllTag, 7, default);

        // The metric's token at 6 went with the all tag's: held are the metric and all tags at 7, and the all tag at 8.
        Assert.Equal(3, cache.TagTokens);
        Assert.Null((await cache.GetAsync("at-6", default)).Answer);
        Assert.NotNull((await cache.GetAsync("at-7", default)).Answer);
        Assert.NotNull((await cache.GetAsync("at-8", default)).Answer);
        await cache.EvictAsync(CacheTags.Metric("ice-removals"), default);
        Assert.Null((await cache.GetAsync("at-7", default)).Answer);
        Assert.NotNull((await cache.GetAsync("at-8", default)).Answer);
        await cache.EvictOlderAsync(IAnswerCache.AllTag, 8, default);
        Assert.Equal(1, cache.TagTokens); // nothing piles up per catalog version
    }

    [Fact]
    public async Task MemoryCache_TagEvictedThenReused_NewEntriesSurvive()
    {
        using var cache = NewCache();
        await cache.EvictAsync(CacheTags.Metric("ice-removals"), default);
        await cache.SetAsync("a", Entry(), 1, [CacheTags.Metric("ice-removals")], default);

        Assert.NotNull((await cache.GetAsync("a", default)).Answer);
    }

    [Fact]
    public async Task MemoryCache_IsBoundedBySize()
    {
        using var cache = NewCache(limit: 1024);
        await cache.SetAsync("big", Entry(4096), 1, [], default);
        await cache.SetAsync("small", Entry(100), 1, [], default);

        Assert.Null((await cache.GetAsync("big", default)).Answer);
        Assert.NotNull((await cache.GetAsync("small", default)).Answer);
    }

    [Fact]
    public void CacheKey_DependsOnRequestAndEveryVersion()
    {
        var versions = new VersionStamp(3, new Dictionary<string, string> { ["ice-detention-stats"] = "2024-10-07" });
        var request = new AskRequest { Question = "How many people did ICE remove in fiscal year 2024?" };
        var key = AnswerCacheKey.For("Ask", request, versions);

        Assert.Equal(64, key.Length);
        Assert.Equal(key, AnswerCacheKey.For("Ask", request.Clone(), new VersionStamp(3, new Dictionary<string, string> { ["ice-detention-stats"] = "2024-10-07" })));
        Assert.NotEqual(key, AnswerCacheKey.For("Ask", request, versions with { CatalogVersion = 4 }));
        Assert.NotEqual(key, AnswerCacheKey.For("Ask", request, versions with { DataVersions = new Dictionary<string, string> { ["ice-detention-stats"] = "2025-01-21" } }));
        Assert.NotEqual(key, AnswerCacheKey.For("Ask", new AskRequest { Question = request.Question, MaxRelated = 3 }, versions));
        Assert.NotEqual(key, AnswerCacheKey.For("GetFigure", request, versions));
    }
}
