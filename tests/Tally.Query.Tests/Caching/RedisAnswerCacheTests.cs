using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Tally.Query.Caching;

namespace Tally.Query.Tests.Caching;

/// <summary>A fact that needs Redis (TALLY_TEST_REDIS, host:port); skipped, saying so, when it is not configured.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public const string Variable = "TALLY_TEST_REDIS";

    public RedisFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set (run scripts/infra-up.sh redis and source /tmp/tally-infra/env): the Redis cache tests did not run.";
        }
    }
}

/// <summary>
/// The Redis answer cache against a real Redis: answers and tag indexes shared between instances (two query pods),
/// TTL, and an outage that never reaches the caller (unreachable, frozen).
/// </summary>
public sealed class RedisAnswerCacheTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static string Server => Environment.GetEnvironmentVariable(RedisFactAttribute.Variable)!;

    private static RedisAnswerCache NewCache(string redis, string prefix, Action<AnswerCacheOptions>? configure = null)
    {
        var options = new AnswerCacheOptions
        {
            Provider = "redis",
            Redis = redis,
            KeyPrefix = prefix,
            Ttl = TimeSpan.FromMinutes(1), // the shared test Redis forgets what these tests wrote
            // A loaded test machine can pause a process for more than the production 50 ms; the outage tests below
            // do not depend on the exact value.
            Timeout = TimeSpan.FromSeconds(1),
            BreakDuration = TimeSpan.FromMilliseconds(200),
            StartupWait = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return new RedisAnswerCache(Options.Create(options), TimeProvider.System, NullLogger<RedisAnswerCache>.Instance);
    }

    private static async Task<RedisAnswerCache> StartedAsync(string redis, string prefix, Action<AnswerCacheOptions>? configure = null)
    {
        var cache = NewCache(redis, prefix, configure);
        await cache.StartAsync(CancellationToken.None);
        return cache;
    }

    private static string NewPrefix() => $"tally-test:{Guid.NewGuid():N}:";

    private static CachedAnswer Entry(string text) =>
        new(System.Text.Encoding.UTF8.GetBytes(text), new DateTimeOffset(2025, 3, 4, 5, 6, 7, 89, TimeSpan.Zero));

    [RedisFact]
    public async Task SetInOneInstance_GetInAnother_SamePayloadAndComputedAt()
    {
        var prefix = NewPrefix();
        using var podA = await StartedAsync(Server, prefix);
        using var podB = await StartedAsync(Server, prefix);
        Assert.True(podA.IsConnected && podB.IsConnected, $"not connected to {Server}");

        await podA.SetAsync("k1", Entry("answer one"), 1, [CacheTags.Metric("ice-removals")], default);
        var lookup = await podB.GetAsync("k1", default);

        Assert.False(lookup.Unavailable, lookup.UnavailableReason);
        Assert.NotNull(lookup.Answer);
        Assert.Equal("answer one", System.Text.Encoding.UTF8.GetString(lookup.Answer.Payload.Span));
        Assert.Equal(Entry("x").ComputedAt, lookup.Answer.ComputedAt);
        Assert.Equal(CacheLookup.Miss, await podB.GetAsync("absent", default));
        Assert.Equal("redis", podB.Provider);
    }

    [RedisFact]
    public async Task EvictTagInOneInstance_DropsEntriesAnotherWrote_OthersSurviveUntilAllIsEvicted()
    {
        var prefix = NewPrefix();
        using var podA = await StartedAsync(Server, prefix);
        using var podB = await StartedAsync(Server, prefix);
        await podA.SetAsync("removals", Entry("r"), 1, [CacheTags.Metric("ice-removals")], default);
        await podA.SetAsync("both", Entry("b"), 1, [CacheTags.Metric("ice-removals"), CacheTags.Dataset("ice-detention-stats")], default);
        await podA.SetAsync("dismissals", Entry("d"), 1, [CacheTags.Metric("trac-nta-dismissals")], default);

        await podB.EvictAsync(CacheTags.Metric("ice-removals"), default);

        Assert.Null((await podA.GetAsync("removals", default)).Answer);
        Assert.Null((await podA.GetAsync("both", default)).Answer);
        Assert.NotNull((await podA.GetAsync("dismissals", default)).Answer);
        using var redis = await ConnectionMultiplexer.ConnectAsync(Server);
        Assert.False(await redis.GetDatabase().KeyExistsAsync(prefix + "tagv:" + CacheTags.Metric("ice-removals")), "the evicted tag's index should be gone");

        await podB.EvictAsync(IAnswerCache.AllTag, default);
        Assert.Null((await podA.GetAsync("dismissals", default)).Answer);
    }

    [RedisFact]
    public async Task EvictOlder_DropsOnlyEntriesOfOlderCatalogs_WhicheverInstanceWroteThem()
    {
        var prefix = NewPrefix();
        using var podA = await StartedAsync(Server, prefix);
        using var podB = await StartedAsync(Server, prefix);
        await podA.SetAsync("at-6", Entry("six"), 6, [CacheTags.Metric("ice-removals")], default);
        await podA.SetAsync("at-7", Entry("seven"), 7, [CacheTags.Metric("ice-removals")], default);
        await podB.SetAsync("at-8", Entry("eight"), 8, [], default);

        // Catalog 7's change event arrives after an answer at 7 (and one at 8) were cached: only the answer at 6 goes.
        await podB.EvictOlderAsync(IAnswerCache.AllTag, 7, default);

        Assert.Null((await podA.GetAsync("at-6", default)).Answer);
        Assert.NotNull((await podA.GetAsync("at-7", default)).Answer);
        Assert.NotNull((await podA.GetAsync("at-8", default)).Answer);
        using var redis = await ConnectionMultiplexer.ConnectAsync(Server);
        var all = await redis.GetDatabase().SortedSetRangeByScoreWithScoresAsync(prefix + "tagv:" + IAnswerCache.AllTag);
        Assert.Equal([(prefix + "at-7", 7d), (prefix + "at-8", 8d)], all.Select(e => ((string)e.Element!, e.Score)).OrderBy(e => e.Item2));

        // The other tags still index the survivors: evicting the metric whole drops the answer at 7 too.
        await podA.EvictAsync(CacheTags.Metric("ice-removals"), default);
        Assert.Null((await podB.GetAsync("at-7", default)).Answer);
        Assert.NotNull((await podB.GetAsync("at-8", default)).Answer);
    }

    [RedisFact]
    public async Task Entries_AndTheirTagIndexes_CarryTheTtl_AndExpire()
    {
        var prefix = NewPrefix();
        using var cache = await StartedAsync(Server, prefix, o => o.Ttl = TimeSpan.FromMilliseconds(400));
        await cache.SetAsync("short", Entry("s"), 1, [CacheTags.Metric("ice-removals")], default);
        using var redis = await ConnectionMultiplexer.ConnectAsync(Server);
        var db = redis.GetDatabase();

        var ttl = await db.KeyTimeToLiveAsync(prefix + "short");
        var tagTtl = await db.KeyTimeToLiveAsync(prefix + "tagv:" + CacheTags.Metric("ice-removals"));
        Assert.True(ttl is { } t && t > TimeSpan.Zero && t <= TimeSpan.FromMilliseconds(400), $"answer TTL {ttl}");
        Assert.True(tagTtl is { } tt && tt > TimeSpan.Zero && tt <= TimeSpan.FromMilliseconds(400), $"tag index TTL {tagTtl}");

        var until = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < until && (await cache.GetAsync("short", default)).Answer is not null)
        {
            await Task.Delay(100);
        }

        Assert.Null((await cache.GetAsync("short", default)).Answer);
    }

    [RedisFact]
    public async Task ValueInAnUnknownFormat_IsAMiss()
    {
        var prefix = NewPrefix();
        using var cache = await StartedAsync(Server, prefix);
        using var redis = await ConnectionMultiplexer.ConnectAsync(Server);
        await redis.GetDatabase().StringSetAsync(prefix + "foreign", "written by something else");

        Assert.Equal(CacheLookup.Miss, await cache.GetAsync("foreign", default));
    }

    [Fact]
    public async Task NothingListening_GetIsBypassedAtOnce_SetIsIgnored_EvictThrowsForTheBusToRetry()
    {
        var port = ClosedPort();
        using var cache = NewCache($"127.0.0.1:{port},connectTimeout=500", NewPrefix(), o => o.StartupWait = TimeSpan.FromSeconds(1));
        await cache.StartAsync(CancellationToken.None).WaitAsync(Bound);

        var lookup = await cache.GetAsync("k", default).AsTask().WaitAsync(Bound);
        await cache.SetAsync("k", Entry("x"), 1, [], default).AsTask().WaitAsync(Bound);

        Assert.True(lookup.Unavailable);
        Assert.Null(lookup.Answer);
        var e = await Assert.ThrowsAsync<AnswerCacheUnavailableException>(() => cache.EvictAsync("metric:x", default).AsTask().WaitAsync(Bound));
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_RedisProviderWithoutConnectionString_FailNamingTheSetting()
    {
        var result = new AnswerCacheOptionsValidator().Validate(null, new AnswerCacheOptions { Provider = "redis" });

        Assert.True(result.Failed);
        Assert.Contains("Tally:Cache:Redis", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new AnswerCacheOptionsValidator().Validate(null, new AnswerCacheOptions()).Succeeded);
        Assert.Contains("Tally:Cache:Timeout", new AnswerCacheOptionsValidator().Validate(null, new AnswerCacheOptions { Timeout = TimeSpan.Zero }).FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>
    /// A Redis of this test's own (so freezing it disturbs nobody), frozen with SIGSTOP: reads time out and are bypassed,
    /// the process keeps answering; after SIGCONT the cache is used again.
    /// </summary>
    [RedisFact]
    public async Task FrozenRedis_ReadsBypassedWithinTheTimeout_ThenUsedAgainOnceItThaws()
    {
        using var redis = await PrivateRedis.StartAsync();
        using var cache = await StartedAsync(redis.Address, NewPrefix(), o =>
        {
            o.Timeout = TimeSpan.FromMilliseconds(200);
            o.BreakAfter = 1;
            o.BreakDuration = TimeSpan.FromMilliseconds(300);
        });
        await cache.SetAsync("k", Entry("before"), 1, [], default);
        Assert.NotNull((await cache.GetAsync("k", default)).Answer);

        redis.Freeze();
        try
        {
            var frozen = await cache.GetAsync("k", default).AsTask().WaitAsync(Bound);
            Assert.True(frozen.Unavailable, "a read from a frozen Redis should be bypassed");
            Assert.Contains("timed out", frozen.UnavailableReason, StringComparison.Ordinal);
            var again = await cache.GetAsync("k", default).AsTask().WaitAsync(Bound); // breaker open: no wait at all
            Assert.True(again.Unavailable);
            await cache.SetAsync("k2", Entry("during"), 1, [], default).AsTask().WaitAsync(Bound);
        }
        finally
        {
            redis.Thaw();
        }

        var until = DateTime.UtcNow + Bound;
        var lookup = CacheLookup.Bypassed("not asked yet");
        while (DateTime.UtcNow < until && lookup.Answer is null)
        {
            await Task.Delay(100);
            lookup = await cache.GetAsync("k", default);
        }

        Assert.Equal("before", System.Text.Encoding.UTF8.GetString(Assert.IsType<CachedAnswer>(lookup.Answer).Payload.Span));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>redis-server as a child process on a free port; killed on dispose.</summary>
    private sealed class PrivateRedis : IDisposable
    {
        private readonly Process _process;

        private PrivateRedis(Process process, int port)
        {
            _process = process;
            Address = $"127.0.0.1:{port}";
        }

        public string Address { get; }

        public static async Task<PrivateRedis> StartAsync()
        {
            var port = ClosedPort();
            var start = new ProcessStartInfo("redis-server")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
            {
                start.ArgumentList.Add(a);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var redis = new PrivateRedis(process, port);
            var until = DateTime.UtcNow + Bound;
            while (DateTime.UtcNow < until)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    return redis;
                }
                catch (SocketException)
                {
                    Assert.False(process.HasExited, $"redis-server exited with code {(process.HasExited ? process.ExitCode : 0)}");
                    await Task.Delay(50);
                }
            }

            redis.Dispose();
            throw new InvalidOperationException($"redis-server did not listen on {port} within {Bound.TotalSeconds} s");
        }

        public void Freeze() => Signal("STOP");

        public void Thaw() => Signal("CONT");

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Signal("CONT");
                _process.Kill();
                _process.WaitForExit(5000);
            }

            _process.Dispose();
        }

        private void Signal(string signal)
        {
            using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }
}
