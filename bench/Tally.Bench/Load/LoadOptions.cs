using System.Globalization;

namespace Tally.Bench.Load;

/// <summary>A server process whose memory the load run samples: a name, its PID and (optionally) its /metrics URL.</summary>
internal sealed record WatchedProcess(string Name, int Pid, Uri? Metrics);

/// <summary>What `Tally.Bench load` runs. Every run is bounded: warm-up + duration (+ the last calls' deadline).</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        usage: Tally.Bench load --mode embedded|distributed --query URL [--ingestion URL] --json PATH
                                [--process NAME=PID[,METRICS_URL]]... [--duration 60] [--warmup 10] [--concurrency 64]
                                [--mix ask-repeat=45,ask-varied=16,figure=30,document=6,dataset=3] [--sample-every 2]
                                [--plateau-tolerance 0.10] [--call-timeout 60] [--kind load|soak] [--token TOKEN]
                                [--load-before "<loadavg>"]
          --query        the query service (the all-in-one's gRPC address in the embedded mode)
          --ingestion    the ingestion service (default: --query, as in the embedded mode)
          --process      a server process to sample (RSS from /proc/PID/status; GC heap from its /metrics), repeatable
          --duration     measured seconds (default 60); --warmup: seconds before, not counted (default 20)
          --mix          operation weights (relative); an operation with weight 0 is not run
          --sample-every seconds between memory samples (default: duration/30, between 0.5 and 10)
          --token        sent as `authorization: Bearer TOKEN` on every call (default: $TALLY_TOKEN; none when empty)
          --json         where this mode's result goes (Tally.Bench load-report turns results into the Markdown file)
        Exit code: 0 when every call succeeded and every process's memory plateaued, 1 otherwise, 2 for bad options.
        """;

    public string Mode { get; private set; } = "";
    public string Kind { get; private set; } = "load";
    public Uri? Query { get; private set; }
    public Uri? Ingestion { get; private set; }
    public List<WatchedProcess> Processes { get; } = [];
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(60);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(20);
    public int Concurrency { get; private set; } = 64;
    public OperationMix Mix { get; private set; } = OperationMix.Default;
    public TimeSpan? SampleEvery { get; private set; }
    public double PlateauTolerance { get; private set; } = 0.10;
    public TimeSpan CallTimeout { get; private set; } = TimeSpan.FromSeconds(60);
    public string? Token { get; private set; }
    public string? Json { get; private set; }
    public string LoadBefore { get; private set; } = "";

    /// <summary>Seconds between memory samples: as given, else about 30 per window, between 0.5 and 10 seconds.</summary>
    public TimeSpan SampleInterval => SampleEvery ?? TimeSpan.FromSeconds(Math.Clamp(Duration.TotalSeconds / 30, 0.5, 10));

    public static LoadOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var o = new LoadOptions { Token = environment("TALLY_TOKEN") };
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value. {Usage}");
            switch (name)
            {
                case "--mode": o.Mode = value; break;
                case "--kind": o.Kind = value is "load" or "soak" ? value : throw new ArgumentException($"--kind is load or soak, not '{value}'."); break;
                case "--query": o.Query = Address(name, value); break;
                case "--ingestion": o.Ingestion = Address(name, value); break;
                case "--process": o.Processes.Add(Process(value)); break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(Number(name, value, 1, 7 * 24 * 3600)); break;
                case "--warmup": o.Warmup = TimeSpan.FromSeconds(Number(name, value, 0, 3600)); break;
                case "--concurrency": o.Concurrency = (int)Number(name, value, 1, 4096); break;
                case "--mix": o.Mix = OperationMix.Parse(value); break;
                case "--sample-every": o.SampleEvery = TimeSpan.FromSeconds(Number(name, value, 0.1, 600)); break;
                case "--plateau-tolerance": o.PlateauTolerance = Number(name, value, 0, 10); break;
                case "--call-timeout": o.CallTimeout = TimeSpan.FromSeconds(Number(name, value, 1, 3600)); break;
                case "--token": o.Token = value; break;
                case "--json": o.Json = value; break;
                case "--load-before": o.LoadBefore = value.Trim(); break;
                default: throw new ArgumentException($"unknown option '{name}'. {Usage}");
            }
        }

        if (string.IsNullOrWhiteSpace(o.Mode) || o.Query is null || string.IsNullOrWhiteSpace(o.Json))
        {
            throw new ArgumentException($"--mode, --query and --json are required. {Usage}");
        }

        o.Ingestion ??= o.Query;
        if (string.IsNullOrWhiteSpace(o.Token))
        {
            o.Token = null;
        }

        return o;
    }

    private static Uri Address(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"{name} must be an http:// or https:// address such as http://127.0.0.1:7400, not '{value}'.");

    /// <summary>NAME=PID or NAME=PID,http://127.0.0.1:7401/metrics.</summary>
    private static WatchedProcess Process(string value)
    {
        var eq = value.IndexOf('=', StringComparison.Ordinal);
        var rest = eq > 0 ? value[(eq + 1)..].Split(',', 2) : [];
        if (eq <= 0 || !int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            throw new ArgumentException($"--process is NAME=PID[,METRICS_URL] (e.g. query=1234,http://127.0.0.1:7401/metrics), not '{value}'.");
        }

        return new WatchedProcess(value[..eq], pid, rest.Length > 1 ? Address("--process", rest[1]) : null);
    }

    private static double Number(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a number from {min} to {max}, not '{value}'.");
}
