namespace Tally.Fuzz.Tests.Engine;

/// <summary>
/// SplitMix64: a small, fast, fully deterministic generator. The same seed gives the same inputs on every machine
/// and runtime (System.Random's seeded sequence is an implementation detail), which is what replay needs.
/// </summary>
internal sealed class FuzzRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextULong()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>0 ≤ result &lt; <paramref name="maxExclusive"/> (0 when it is 0 or less).</summary>
    public int Next(int maxExclusive) => maxExclusive <= 0 ? 0 : (int)(NextULong() % (ulong)maxExclusive);

    /// <summary><paramref name="min"/> ≤ result &lt; <paramref name="maxExclusive"/>.</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    /// <summary>True with probability 1/<paramref name="n"/>.</summary>
    public bool OneIn(int n) => Next(n) == 0;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>A length biased towards small values (most interesting inputs are short), up to <paramref name="max"/>.</summary>
    public int SmallLength(int max)
    {
        var bits = Next(1, 1 + Math.Max(1, (int)Math.Log2(Math.Max(2, max))));
        return Math.Min(max, Next(1, (1 << bits) + 1));
    }

    /// <summary>FNV-1a of a name: a stable per-target offset for the seed (string.GetHashCode is randomised per process).</summary>
    public static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }
}
