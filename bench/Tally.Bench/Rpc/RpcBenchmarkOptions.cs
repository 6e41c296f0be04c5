using System.Globalization;

namespace Tally.Bench.Rpc;

/// <summary>What the RPC benchmark runs. Every run is bounded by <see cref="Duration"/> (plus warm-up).</summary>
internal sealed class RpcBenchmarkOptions
{
    public const string Usage = """
        usage: Tally.Bench [rpc] [--duration SECONDS] [--warmup SECONDS] [--concurrency 1,64] [--payload BYTES]
                                 [--rounds N] [--out DIRECTORY] [--node-dir tests/interop-node]
          --duration     measured seconds per (server, concurrency) run (default 10)
          --warmup       unmeasured seconds before each run (default 3)
          --concurrency  calls in flight, comma-separated (default 1,64)
          --payload      request payload bytes (default 128)
          --rounds       runs per (server, concurrency), alternating servers; the best is reported (default 2)
          --out          where rpc-<date>.md and .json go (default bench/results of this checkout)
        """;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(3);
    public IReadOnlyList<int> Concurrency { get; private set; } = [1, 64];
    public int PayloadBytes { get; private set; } = 128;
    public int Rounds { get; private set; } = 2;
    public string? OutputDirectory { get; private set; }
    public string? NodeDirectory { get; private set; }

    public static RpcBenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new RpcBenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--duration":
                    options.Duration = TimeSpan.FromSeconds(Number(name, value, 1, 600));
                    break;
                case "--warmup":
                    options.Warmup = TimeSpan.FromSeconds(Number(name, value, 0, 120));
                    break;
                case "--concurrency":
                    options.Concurrency = value.Split(',').Select(v => Number(name, v, 1, 1024)).ToArray();
                    break;
                case "--payload":
                    options.PayloadBytes = Number(name, value, 0, 1024 * 1024);
                    break;
                case "--rounds":
                    options.Rounds = Number(name, value, 1, 10);
                    break;
                case "--out":
                    options.OutputDirectory = value;
                    break;
                case "--node-dir":
                    options.NodeDirectory = value;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{name}'.");
            }
        }
        return options;
    }

    private static int Number(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max} (got '{value}').");
}
