using System.Globalization;

namespace Tally.Fuzz.Tests.Engine;

/// <summary>
/// How long and with what seeds to fuzz, from the environment:
/// <list type="bullet">
/// <item><c>TALLY_FUZZ_ITERATIONS</c> — mutated inputs per target and seed, scaled by each target's cost (default 400).</item>
/// <item><c>TALLY_FUZZ_SEED</c> — run this seed only (replay a failure); otherwise the fixed CI seed plus one taken from the clock.</item>
/// <item><c>TALLY_FUZZ_SECONDS</c> — a time budget per target: start from a fresh seed and keep going (next seeds) until it is spent (<c>make fuzz</c>).</item>
/// <item><c>TALLY_FUZZ_SAVE</c> — 1 writes each new failing input into Regressions/&lt;target&gt;/ in the source tree.</item>
/// <item><c>TALLY_FUZZ_TIMEOUT_MS</c> — per-input limit; an input still running after it is a hang (default 10000).</item>
/// <item><c>TALLY_FUZZ_MAX_BYTES</c> — largest input the mutator builds (default 64 KiB; <c>make fuzz</c> uses 1 MiB).</item>
/// </list>
/// </summary>
internal sealed record FuzzSettings
{
    /// <summary>The seed every CI run starts with, so CI's first half is the same everywhere.</summary>
    public const ulong FixedSeed = 20_250_707;

    public int Iterations { get; init; } = 400;
    public IReadOnlyList<ulong> Seeds { get; init; } = [FixedSeed];
    public bool SeedFromEnvironment { get; init; }
    public TimeSpan? Budget { get; init; }
    public bool Save { get; init; }
    public TimeSpan InputTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public int MaxInputBytes { get; init; } = 64 * 1024;

    public static FuzzSettings Current { get; } = FromEnvironment();

    public static FuzzSettings FromEnvironment()
    {
        var settings = new FuzzSettings();
        if (Int("TALLY_FUZZ_ITERATIONS") is { } iterations)
        {
            settings = settings with { Iterations = Math.Max(0, iterations) };
        }
        if (Environment.GetEnvironmentVariable("TALLY_FUZZ_SEED") is { Length: > 0 } seedText)
        {
            if (!ulong.TryParse(seedText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
            {
                throw new InvalidOperationException($"TALLY_FUZZ_SEED='{seedText}' is not a non-negative integer (the seed printed by a fuzz run).");
            }
            settings = settings with { Seeds = [seed], SeedFromEnvironment = true };
        }
        else
        {
            // The clock seed changes every run; it is printed, so a failure it finds can be replayed.
            settings = settings with { Seeds = [FixedSeed, (ulong)DateTime.UtcNow.Ticks % 1_000_000_000_000UL] };
        }
        if (Int("TALLY_FUZZ_SECONDS") is { } seconds && seconds > 0)
        {
            // A long run (make fuzz) starts from a fresh seed only: the fixed one is CI's, and CI runs it every time.
            settings = settings with { Budget = TimeSpan.FromSeconds(seconds), Seeds = settings.SeedFromEnvironment ? settings.Seeds : [settings.Seeds[^1]] };
        }
        if (Int("TALLY_FUZZ_TIMEOUT_MS") is { } timeout && timeout > 0)
        {
            settings = settings with { InputTimeout = TimeSpan.FromMilliseconds(timeout) };
        }
        if (Int("TALLY_FUZZ_MAX_BYTES") is { } max && max > 16)
        {
            settings = settings with { MaxInputBytes = max };
        }
        settings = settings with { Save = Environment.GetEnvironmentVariable("TALLY_FUZZ_SAVE") is "1" or "true" };
        return settings;
    }

    private static int? Int(string name)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{name}='{text}' is not an integer.");
    }
}
