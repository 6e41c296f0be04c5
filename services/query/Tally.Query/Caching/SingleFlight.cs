using System.Collections.Concurrent;

namespace Tally.Query.Caching;

/// <summary>
/// Runs one computation per key at a time: concurrent callers with the same key share the first caller's result
/// (or exception). The shared computation is not cancelled when one caller gives up; each caller stops waiting on
/// its own token.
/// </summary>
public sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _running = new(StringComparer.Ordinal);

    /// <summary>Computations in flight (for tests).</summary>
    public int InFlight => _running.Count;

    /// <param name="shared">Set to true when this caller joined a computation another caller started.</param>
    public Task<T> RunAsync(string key, Func<Task<T>> compute, CancellationToken cancellationToken, out bool shared)
    {
        ArgumentNullException.ThrowIfNull(compute);
        var mine = new Lazy<Task<T>>(() => Run(key, compute), LazyThreadSafetyMode.ExecutionAndPublication);
        var lazy = _running.GetOrAdd(key, mine);
        shared = !ReferenceEquals(lazy, mine);
        return lazy.Value.WaitAsync(cancellationToken);
    }

    private async Task<T> Run(string key, Func<Task<T>> compute)
    {
        try
        {
            return await Task.Run(compute).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }
}
