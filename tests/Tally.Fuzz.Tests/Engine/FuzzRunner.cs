using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;

namespace Tally.Fuzz.Tests.Engine;

/// <summary>
/// Runs one target: first every kept regression input, then the seed corpus as it is, then mutants and generated
/// inputs for each seed (and, with a time budget, for fresh seeds until it is spent). Every input runs under a
/// per-input timeout; the oracle classifies what it threw. Failures are shrunk, saved under artifacts/fuzz/failures
/// (and Regressions/ with TALLY_FUZZ_SAVE=1), printed with their seed, and fail the test.
/// </summary>
internal sealed class FuzzRunner(FuzzTarget target, ITestOutputHelper output, FuzzSettings? settings = null)
{
    private const int MaxPool = 256;
    private const int MaxFailuresReported = 5;

    private readonly FuzzSettings _settings = settings ?? FuzzSettings.Current;
    private readonly List<Failure> _failures = [];
    private readonly HashSet<string> _signatures = [];
    private readonly Dictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private readonly StringBuilder _log = new();
    private string _inflight = "";

    private sealed record Failure(string Signature, string Origin, ulong? Seed, int? Iteration, string Why, Exception? Exception, byte[] Input);

    /// <summary>Runs the target; fails the test with a report on any failure; returns how many inputs ran (seeds included).</summary>
    public async Task<int> RunAsync()
    {
        Directory.CreateDirectory(Path.Combine(RepoPaths.Artifacts, "inflight"));
        _inflight = Path.Combine(RepoPaths.Artifacts, "inflight", target.Name + ".bin");
        var clock = Stopwatch.StartNew();
        var perSeed = Math.Max(1, (int)Math.Round(_settings.Iterations / target.Cost));
        Say($"fuzz {target.Name}: {perSeed} inputs per seed, seeds {string.Join(", ", _settings.Seeds)}" +
            (_settings.Budget is { } b ? $", budget {b.TotalSeconds:0} s" : "") +
            $", timeout {_settings.InputTimeout.TotalSeconds:0.#} s per input, inputs up to {_settings.MaxInputBytes:N0} bytes");

        var executed = 0;
        await ReplayCrashLeftoverAsync();
        var regressions = await ReplayRegressionsAsync();
        var pool = new List<byte[]>(target.Seeds);
        for (var i = 0; i < target.Seeds.Count && !Stopped; i++)
        {
            await RunOneAsync(target.Seeds[i], $"seed #{i}", null, null, pool);
            executed++;
        }

        var seeds = new Queue<ulong>(_settings.Seeds);
        var lastSeed = _settings.Seeds[^1];
        while (!Stopped)
        {
            ulong seed;
            if (seeds.Count > 0)
            {
                seed = seeds.Dequeue();
            }
            else if (_settings.Budget is { } budget && clock.Elapsed < budget && !_settings.SeedFromEnvironment)
            {
                seed = lastSeed = lastSeed * 6364136223846793005UL + 1442695040888963407UL;
                seed %= 1_000_000_000_000UL;
                Say($"fuzz {target.Name}: next seed {seed} ({clock.Elapsed.TotalSeconds:0} s of {budget.TotalSeconds:0} s)");
            }
            else
            {
                break;
            }

            var rng = new FuzzRandom(seed ^ FuzzRandom.StableHash(target.Name));
            var mutator = new Mutator(rng, target.Dictionary, _settings.MaxInputBytes);
            for (var i = 0; i < perSeed && !Stopped; i++)
            {
                if (_settings.Budget is { } limit && clock.Elapsed >= limit && seeds.Count == 0)
                {
                    break;
                }
                byte[] input;
                string origin;
                if (target.Generate is not null && (pool.Count == 0 || rng.OneIn(target.GenerateOneIn)))
                {
                    input = target.Generate(rng.NextULong());
                    origin = "generated (FsCheck)";
                }
                else if (pool.Count == 0)
                {
                    input = [];
                    origin = "empty";
                }
                else
                {
                    var parent = rng.Pick(pool);
                    input = target.Mutate is not null && !rng.OneIn(target.PlainOneIn) ? target.Mutate(parent, rng, pool) : mutator.Mutate(parent, pool);
                    origin = "mutant";
                }
                await RunOneAsync(input, origin, seed, i, pool);
                executed++;
                if (target.Probe is not null && executed % 100 == 0)
                {
                    await ProbeAsync($"after {executed} inputs");
                }
            }
        }

        if (target.Probe is not null)
        {
            await ProbeAsync("at the end");
        }
        File.Delete(_inflight);
        var top = _outcomes.OrderByDescending(o => o.Value).Take(8).ToList();
        var outcomes = string.Join(", ", top.Select(o => $"{o.Key} ×{o.Value}")) +
            (_outcomes.Count > 8 ? $" and {_outcomes.Count - 8} more kinds" : "") +
            (top.Any(o => o.Key == "ok") ? "" : $" (ok ×{_outcomes.GetValueOrDefault("ok")})");
        Say($"fuzz {target.Name}: {regressions} regression inputs replayed, {executed} inputs run in {clock.Elapsed.TotalSeconds:0.0} s, " +
            $"{_failures.Count} failures; outcomes: {outcomes}");
        WriteLog();
        if (_failures.Count > 0)
        {
            Assert.Fail(Report());
        }

        return executed;
    }

    private bool Stopped => _failures.Any(f => f.Signature.StartsWith("hang", StringComparison.Ordinal)) || _failures.Count >= 20;

    /// <summary>An input left in inflight/ means the previous run died on it (a stack overflow cannot be caught): run it first.</summary>
    private async Task ReplayCrashLeftoverAsync()
    {
        if (!File.Exists(_inflight))
        {
            return;
        }
        var input = await File.ReadAllBytesAsync(_inflight);
        Say($"fuzz {target.Name}: the previous run stopped while running the input in {_inflight}; replaying it first " +
            $"(if the test host crashes now, that input is the crash):{Environment.NewLine}{Show(input)}");
        string? kept = null;
        if (_settings.Save)
        {
            kept = SaveRegression(input, "crash-");
        }
        var before = _failures.Count;
        await RunOneAsync(input, "input a previous run died on", null, null, null);
        if (kept is not null && _failures.Count == before)
        {
            File.Delete(kept); // it passes: the previous run was merely interrupted
        }
    }

    private async Task<int> ReplayRegressionsAsync()
    {
        var dir = RepoPaths.Regressions(target.Name);
        if (!Directory.Exists(dir))
        {
            return 0;
        }
        var files = Directory.EnumerateFiles(dir, "*.bin").Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            await RunOneAsync(await File.ReadAllBytesAsync(file), "regression " + Path.GetFileName(file), null, null, null);
        }
        return files.Count;
    }

    private async Task RunOneAsync(byte[] input, string origin, ulong? seed, int? iteration, List<byte[]>? pool)
    {
        var (signature, why, exception) = await ExecuteAsync(input);
        _outcomes[signature] = _outcomes.GetValueOrDefault(signature) + 1;
        if (why is null)
        {
            if (pool is not null && _signatures.Add(signature))
            {
                // A new kind of outcome: keep the input as a parent for further mutants (cheap outcome-guided search).
                if (pool.Count >= MaxPool)
                {
                    pool.RemoveAt(target.Seeds.Count + (int)((uint)FuzzRandom.StableHash(signature) % (uint)(pool.Count - target.Seeds.Count)));
                }
                pool.Add(input);
            }
            return;
        }
        if (_failures.Any(f => f.Signature == signature && f.Input.Length <= input.Length))
        {
            return;
        }
        if (!signature.StartsWith("hang", StringComparison.Ordinal))
        {
            var shrunk = await ShrinkAsync(input, signature);
            if (shrunk.Length < input.Length)
            {
                // Report what the shrunk input itself does (same kind of failure, its own message).
                (_, var shrunkWhy, var shrunkException) = await ExecuteAsync(shrunk);
                (input, why, exception) = (shrunk, shrunkWhy ?? why, shrunkException ?? exception);
            }
        }
        _failures.RemoveAll(f => f.Signature == signature);
        var failure = new Failure(signature, origin, seed, iteration, why, exception, input);
        _failures.Add(failure);
        SaveFailure(failure);
    }

    /// <summary>Runs one input under the timeout: (outcome signature, why it is a bug or null, the exception).</summary>
    private async Task<(string Signature, string? Why, Exception? Exception)> ExecuteAsync(byte[] input)
    {
        await File.WriteAllBytesAsync(_inflight, input);
        using var cts = new CancellationTokenSource();
        var label = FuzzOutcome.Begin();
        var task = Task.Run(() => target.Run(input, cts.Token), CancellationToken.None);
        try
        {
            await task.WaitAsync(_settings.InputTimeout);
            return (label.Value ?? "ok", null, null);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            await cts.CancelAsync();
            var stopped = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(2))) == task;
            return ("hang", $"no result within {_settings.InputTimeout.TotalSeconds:0.#} s (a hang{(stopped ? "; it stopped only when cancelled" : ", and it ignores cancellation")})", null);
        }
        catch (Exception e)
        {
            var inner = e is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerException! : e;
            var why = target.Classify(inner);
            return (Signature(inner, why is null), why, inner);
        }
    }

    /// <summary>Exception type, the first frame in Tally code and (for clean errors) the message's first words: one per distinct behaviour.</summary>
    private static string Signature(Exception e, bool clean)
    {
        var frame = new StackTrace(e, fNeedFileInfo: false).GetFrames()
            .Select(f => f.GetMethod())
            .FirstOrDefault(m => m?.DeclaringType?.Namespace?.StartsWith("Tally.", StringComparison.Ordinal) == true && m.DeclaringType.Namespace != typeof(FuzzRunner).Namespace);
        var where = frame is null ? "" : $" at {frame.DeclaringType!.Name}.{frame.Name}";
        var words = clean || e is OracleViolation
            ? " " + string.Join(' ', new string(e.Message.Where(c => !char.IsDigit(c)).Take(96).ToArray()).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            : "";
        return $"{e.GetType().Name}{where}{words}";
    }

    /// <summary>Delta debugging, bounded: drops chunks while the same failure still happens, so reports and regressions stay small.</summary>
    private async Task<byte[]> ShrinkAsync(byte[] input, string signature)
    {
        var clock = Stopwatch.StartNew();
        var current = input;
        for (var chunk = Math.Max(1, current.Length / 2); chunk >= 1 && clock.Elapsed < TimeSpan.FromSeconds(5); chunk /= 2)
        {
            for (var start = 0; start + chunk <= current.Length && clock.Elapsed < TimeSpan.FromSeconds(5);)
            {
                var candidate = new byte[current.Length - chunk];
                current.AsSpan(0, start).CopyTo(candidate);
                current.AsSpan(start + chunk).CopyTo(candidate.AsSpan(start));
                var (sig, why, _) = await ExecuteAsync(candidate);
                if (why is not null && sig == signature)
                {
                    current = candidate;
                }
                else
                {
                    start += chunk;
                }
            }
            if (chunk == 1)
            {
                break;
            }
        }
        return current;
    }

    private async Task ProbeAsync(string when)
    {
        try
        {
            await target.Probe!().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e)
        {
            var last = _failures.LastOrDefault();
            _failures.Add(new Failure("probe", $"probe {when}", null, null,
                $"the target stopped working {when} (the last input sent is in {_inflight}): {e.GetType().Name}: {e.Message}", e,
                File.Exists(_inflight) ? await File.ReadAllBytesAsync(_inflight) : last?.Input ?? []));
        }
    }

    private void SaveFailure(Failure failure)
    {
        var dir = Path.Combine(RepoPaths.Artifacts, "failures", target.Name);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, Name(failure.Input)), failure.Input);
        if (_settings.Save)
        {
            SaveRegression(failure.Input, "");
        }
    }

    private string SaveRegression(byte[] input, string prefix)
    {
        var dir = RepoPaths.Regressions(target.Name);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, prefix + Name(input));
        File.WriteAllBytes(path, input);
        Say($"fuzz {target.Name}: kept as a regression input: {path}");
        return path;
    }

    private static string Name(byte[] input) => Convert.ToHexStringLower(SHA256.HashData(input))[..16] + ".bin";

    private string Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"fuzz {target.Name}: {_failures.Count} distinct failure(s). Failing inputs are in {Path.Combine(RepoPaths.Artifacts, "failures", target.Name)}" +
            (_settings.Save ? $" and {RepoPaths.Regressions(target.Name)}" : $"; keep one as a regression test by copying it into tests/Tally.Fuzz.Tests/Regressions/{target.Name}/"));
        foreach (var f in _failures.Take(MaxFailuresReported))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"-- {f.Signature}: {f.Why}");
            text.AppendLine($"   input: {f.Origin}" + (f.Seed is { } s
                ? $", seed {s}, iteration {f.Iteration} (replay: TALLY_FUZZ_SEED={s} TALLY_FUZZ_ITERATIONS={_settings.Iterations} dotnet test tests/Tally.Fuzz.Tests --filter {target.Name})"
                : "") + $", {f.Input.Length:N0} bytes after shrinking, file {Name(f.Input)}");
            if (f.Exception is { } e)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"   {e.GetType().FullName}: {e.Message}");
                foreach (var line in (e.StackTrace ?? "").Split('\n').Take(8))
                {
                    text.AppendLine("   " + line.TrimEnd());
                }
            }
            text.AppendLine(Show(f.Input));
        }
        if (_failures.Count > MaxFailuresReported)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"... and {_failures.Count - MaxFailuresReported} more (see {RepoPaths.Artifacts}/{target.Name}.log)");
        }
        return text.ToString();
    }

    private string Show(byte[] input)
    {
        if (target.Describe is not null)
        {
            return target.Describe(input);
        }
        return target.IsText ? "   text: " + Escape(input, 2000) : "   hex: " + Hex(input, 1024);
    }

    /// <summary>Printable ASCII as is, everything else as C# escapes (\n, \u00A0, \xFF for invalid UTF-8), cut to <paramref name="max"/> characters.</summary>
    public static string Escape(byte[] input, int max)
    {
        var text = new StringBuilder("\"");
        var i = 0;
        while (i < input.Length && text.Length < max)
        {
            var status = System.Text.Rune.DecodeFromUtf8(input.AsSpan(i), out var rune, out var used);
            if (status != System.Buffers.OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{input[i]:X2}");
                i++;
                continue;
            }
            i += used;
            text.Append(rune.Value switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                '\\' => "\\\\",
                >= 0x20 and < 0x7F => ((char)rune.Value).ToString(),
                <= 0xFFFF => $"\\u{rune.Value:X4}",
                _ => $"\\U{rune.Value:X8}",
            });
        }
        text.Append('"');
        if (i < input.Length)
        {
            text.Append(CultureInfo.InvariantCulture, $" … ({input.Length - i:N0} more bytes)");
        }
        return text.ToString();
    }

    public static string Hex(byte[] input, int max) =>
        Convert.ToHexString(input.AsSpan(0, Math.Min(max, input.Length))) + (input.Length > max ? $" … ({input.Length - max:N0} more bytes)" : "");

    private void Say(string line)
    {
        output.WriteLine(line);
        _log.AppendLine(line);
        // Also on the test host's console, so that the seeds show in `make test` output for passing runs too.
        Console.Error.WriteLine(line);
    }

    private void WriteLog()
    {
        try
        {
            File.WriteAllText(Path.Combine(RepoPaths.Artifacts, target.Name + ".log"), _log + (_failures.Count > 0 ? Report() : ""));
        }
        catch (IOException)
        {
            // The log is a convenience; the test result carries the same text.
        }
    }
}
