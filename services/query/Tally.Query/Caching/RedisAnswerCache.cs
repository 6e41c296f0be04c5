using System.Buffers.Binary;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tally.Query.Caching;

/// <summary>
/// The answer cache in Redis, shared by every query process (StackExchange.Redis 1.2.6, one multiplexer per process).
/// <list type="bullet">
/// <item>An answer is one string value at KeyPrefix + key (a version byte, the computation time, the protobuf bytes), with
/// the TTL <see cref="AnswerCacheOptions.Ttl"/>. Each tag is a sorted set of the keys carrying it, scored by the catalog
/// version each was computed at (KeyPrefix + "tagv:" + tag), so evicting a tag in one process frees the entries every
/// process wrote, whole or only below a catalog version. Both are written by one Lua script (atomic).</item>
/// <item>The request path never waits longer than <see cref="AnswerCacheOptions.Timeout"/>: while the multiplexer is still
/// connecting or reconnecting (it does so on its own, in the background), or for <see cref="AnswerCacheOptions.BreakDuration"/>
/// after a timeout or error, reads are bypassed at once and writes skipped.</item>
/// </list>
/// Not for Redis Cluster as is: the eviction script deletes keys it reads from a set. Put the prefix in a hash tag
/// ("{tally}:answers:") to keep every key in one slot there.
/// </summary>
public sealed partial class RedisAnswerCache : IAnswerCache, IHostedService, IDisposable
{
    // KEYS[1] = answer key, KEYS[2..n] = tag indexes; ARGV[1] = value, ARGV[2] = TTL in ms, ARGV[3] = catalog version.
    private const string SetScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        for i = 2, #KEYS do
          redis.call('ZADD', KEYS[i], ARGV[3], KEYS[1])
          redis.call('PEXPIRE', KEYS[i], ARGV[2])
        end
        return #KEYS - 1
        """;

    // KEYS[1] = tag index; ARGV[1] = highest score to evict ("+inf", or "(N" for below N). Deletes those members (in
    // chunks: unpack has a stack limit) and removes them from the index; returns how many.
    private const string EvictScript = """
        local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        for i = 1, #keys, 1000 do
          redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys)))
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        return #keys
        """;

    private const byte FormatVersion = 1;
    private const int HeaderLength = 1 + sizeof(long);

    private readonly AnswerCacheOptions _options;
    private readonly ConfigurationOptions _configuration;
    private readonly TimeProvider _clock;
    private readonly ILogger<RedisAnswerCache> _logger;
    private readonly Lock _connectLock = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private volatile ConnectionMultiplexer? _multiplexer;
    private long _breakerUntil;
    private int _failuresInARow;
    private int _degraded;
    private bool _disposed;

    public RedisAnswerCache(IOptions<AnswerCacheOptions> options, TimeProvider clock, ILogger<RedisAnswerCache> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        if (string.IsNullOrWhiteSpace(_options.Redis))
        {
            throw new InvalidOperationException("Tally:Cache:Redis is required when Tally:Cache:Provider is 'redis'.");
        }

        try
        {
            _configuration = ConfigurationOptions.Parse(_options.Redis);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Tally:Cache:Redis is not a valid StackExchange.Redis configuration string: {e.Message}", e);
        }

        if (_configuration.EndPoints.Count == 0)
        {
            throw new InvalidOperationException("Tally:Cache:Redis names no endpoint; give host:port, e.g. \"127.0.0.1:6379\".");
        }

        // Never fail or block for a Redis that is down: connect in the background and keep retrying.
        _configuration.AbortOnConnectFail = false;
        Endpoints = string.Join(",", _configuration.EndPoints.Select(e => e.ToString()));
    }

    public string Provider => "redis";

    /// <summary>The configured endpoints (no password), for messages.</summary>
    public string Endpoints { get; }

    /// <summary>True while the multiplexer has a live connection.</summary>
    public bool IsConnected => _multiplexer?.IsConnected == true;

    // ---- lifetime ----------------------------------------------------------------------------------------------

    /// <summary>Starts connecting and waits at most <see cref="AnswerCacheOptions.StartupWait"/> for it; the host starts either way.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connecting = EnsureConnecting();
        await Task.WhenAny(connecting, Task.Delay(_options.StartupWait, _clock, cancellationToken)).ConfigureAwait(false);
        if (IsConnected)
        {
            LogConnected(_logger, Endpoints);
        }
        else
        {
            Interlocked.Exchange(ref _degraded, 1);
            LogNotConnectedAtStart(_logger, Endpoints, _options.StartupWait.TotalSeconds);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        lock (_connectLock)
        {
            _disposed = true;
        }

        _multiplexer?.Dispose();
        _connecting?.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private Task<ConnectionMultiplexer> EnsureConnecting()
    {
        lock (_connectLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // A failed attempt (rare: abortConnect=false makes the multiplexer retry by itself) is retried after the break.
            var failed = _connecting is { IsFaulted: true } or { IsCanceled: true };
            if (_connecting is null || (failed && _clock.GetTimestamp() >= Volatile.Read(ref _breakerUntil)))
            {
                _connecting = Task.Run(ConnectAsync);
            }

            return _connecting;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        try
        {
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
            multiplexer.ConnectionFailed += (_, e) => Degraded($"connection {e.FailureType}: {e.Exception?.Message ?? "no detail"}");
            multiplexer.ConnectionRestored += (_, _) => Recovered();
            _multiplexer = multiplexer;
            return multiplexer;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Trip($"connect failed: {e.Message}", open: true);
            throw;
        }
    }

    // ---- IAnswerCache ------------------------------------------------------------------------------------------

    public async ValueTask<CacheLookup> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (Database(out var reason) is not { } db)
        {
            return CacheLookup.Bypassed(reason);
        }

        var read = db.StringGetAsync(_options.KeyPrefix + key);
        try
        {
            var value = await read.WaitAsync(_options.Timeout, _clock, cancellationToken).ConfigureAwait(false);
            Recovered();
            return Decode(value) is { } answer ? CacheLookup.Hit(answer) : CacheLookup.Miss;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Observe(read);
            return CacheLookup.Bypassed(Trip(e is TimeoutException ? $"read timed out after {_options.Timeout.TotalMilliseconds} ms" : $"read failed: {e.Message}"));
        }
    }

    public async ValueTask SetAsync(string key, CachedAnswer answer, int catalogVersion, IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(tags);
        if (Database(out _) is not { } db)
        {
            return;
        }

        var keys = new List<RedisKey> { _options.KeyPrefix + key };
        keys.AddRange(tags.Append(IAnswerCache.AllTag).Distinct(StringComparer.Ordinal).Select(TagKey));
        var write = db.ScriptEvaluateAsync(SetScript, [.. keys], [Encode(answer), (long)Math.Ceiling(_options.Ttl.TotalMilliseconds), catalogVersion]);
        try
        {
            await write.WaitAsync(_options.Timeout, _clock, cancellationToken).ConfigureAwait(false);
            Recovered();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Observe(write);
            Trip(e is TimeoutException ? $"write timed out after {_options.Timeout.TotalMilliseconds} ms" : $"write failed: {e.Message}");
        }
    }

    /// <summary>Deletes every answer in the tag's index, and the index. Throws when Redis cannot be reached in time (the bus retries).</summary>
    public ValueTask EvictAsync(string tag, CancellationToken cancellationToken) => EvictAsync(tag, "+inf", cancellationToken);

    /// <summary>Deletes the answers in the tag's index computed below <paramref name="catalogVersion"/>. Throws as <see cref="EvictAsync(string, CancellationToken)"/>.</summary>
    public ValueTask EvictOlderAsync(string tag, int catalogVersion, CancellationToken cancellationToken) =>
        EvictAsync(tag, "(" + catalogVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);

    private async ValueTask EvictAsync(string tag, string maxScore, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var multiplexer = _multiplexer;
        if (multiplexer is null)
        {
            try
            {
                multiplexer = await EnsureConnecting().WaitAsync(_options.EvictionTimeout, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new AnswerCacheUnavailableException($"Redis at {Endpoints} is not connected ({e.Message}); evicting '{tag}' failed and will be retried.", e);
            }
        }

        if (!multiplexer.IsConnected)
        {
            throw new AnswerCacheUnavailableException($"Redis at {Endpoints} is not connected; evicting '{tag}' failed and will be retried.");
        }

        var evict = multiplexer.GetDatabase().ScriptEvaluateAsync(EvictScript, [TagKey(tag)], [maxScore]);
        try
        {
            var deleted = (long)await evict.WaitAsync(_options.EvictionTimeout, _clock, cancellationToken).ConfigureAwait(false);
            LogEvicted(_logger, tag, deleted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Observe(evict);
            throw new AnswerCacheUnavailableException($"Redis at {Endpoints} did not evict '{tag}' within {_options.EvictionTimeout.TotalSeconds} s ({e.Message}); it will be retried.", e);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    // "tagv:", not the "tag:" plain sets of earlier versions: a sorted set under an old set's name would be WRONGTYPE.
    private RedisKey TagKey(string tag) => _options.KeyPrefix + "tagv:" + tag;

    /// <summary>The database to use now, or null (and why) when Redis must not be asked.</summary>
    private IDatabase? Database(out string reason)
    {
        var multiplexer = _multiplexer;
        if (multiplexer is null)
        {
            var connecting = EnsureConnecting();
            reason = connecting.IsFaulted ? "not connected (connect failed)" : "connecting";
            return null;
        }

        if (!multiplexer.IsConnected)
        {
            reason = "disconnected (reconnecting in the background)";
            return null;
        }

        if (_clock.GetTimestamp() < Volatile.Read(ref _breakerUntil))
        {
            reason = "skipped after a recent timeout or error";
            return null;
        }

        reason = string.Empty;
        return multiplexer.GetDatabase();
    }

    /// <summary>
    /// Counts a failure and opens the breaker for <see cref="AnswerCacheOptions.BreakDuration"/> once
    /// <see cref="AnswerCacheOptions.BreakAfter"/> came in a row (or at once with <paramref name="open"/>); returns the
    /// reason for the caller's lookup.
    /// </summary>
    private string Trip(string reason, bool open = false)
    {
        if (!open && Interlocked.Increment(ref _failuresInARow) < _options.BreakAfter)
        {
            Degraded(reason);
            return reason;
        }

        Interlocked.Exchange(ref _failuresInARow, 0);
        var until = _clock.GetTimestamp() + (long)(_options.BreakDuration.TotalSeconds * _clock.TimestampFrequency);
        Volatile.Write(ref _breakerUntil, until);
        Degraded(reason);
        return reason;
    }

    private void Degraded(string reason)
    {
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            LogDegraded(_logger, Endpoints, reason);
        }
    }

    private void Recovered()
    {
        if (Volatile.Read(ref _failuresInARow) != 0)
        {
            Interlocked.Exchange(ref _failuresInARow, 0);
        }

        if (Volatile.Read(ref _degraded) == 1 && Interlocked.Exchange(ref _degraded, 0) == 1)
        {
            LogRecovered(_logger, Endpoints);
        }
    }

    /// <summary>An abandoned command may still fail later: observe it, so it is not reported as unobserved.</summary>
    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    internal static byte[] Encode(CachedAnswer answer)
    {
        var bytes = new byte[HeaderLength + answer.Payload.Length];
        bytes[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(1), answer.ComputedAt.ToUnixTimeMilliseconds());
        answer.Payload.Span.CopyTo(bytes.AsSpan(HeaderLength));
        return bytes;
    }

    /// <summary>The answer in a stored value; null for a missing value or one in a format this version does not know (a miss).</summary>
    internal static CachedAnswer? Decode(RedisValue value)
    {
        if (value.IsNull)
        {
            return null;
        }

        byte[] bytes = value!;
        if (bytes.Length < HeaderLength || bytes[0] != FormatVersion)
        {
            return null;
        }

        var computedAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(1)));
        return new CachedAnswer(bytes.AsMemory(HeaderLength), computedAt); // a slice: the answer's bytes are not copied again
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer cache: Redis at {Endpoints} connected")]
    private static partial void LogConnected(ILogger logger, string endpoints);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer cache: Redis at {Endpoints} not connected after {Seconds} s; serving computed answers and reconnecting in the background")]
    private static partial void LogNotConnectedAtStart(ILogger logger, string endpoints, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer cache: Redis at {Endpoints} unavailable ({Reason}); answers are computed without it (tally_cache_bypass_total) until it answers again")]
    private static partial void LogDegraded(ILogger logger, string endpoints, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer cache: Redis at {Endpoints} answers again")]
    private static partial void LogRecovered(ILogger logger, string endpoints);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Answer cache: evicted tag {Tag} ({Count} answers)")]
    private static partial void LogEvicted(ILogger logger, string tag, long count);
}

/// <summary>The answer cache could not be reached for an operation that must not be silently dropped (eviction).</summary>
public sealed class AnswerCacheUnavailableException : Exception
{
    public AnswerCacheUnavailableException()
    {
    }

    public AnswerCacheUnavailableException(string message)
        : base(message)
    {
    }

    public AnswerCacheUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
