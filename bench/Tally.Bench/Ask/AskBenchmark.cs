using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Tally.Grpc;
using Tally.Query.V1;

namespace Tally.Bench.Ask;

/// <summary>
/// Ask over real gRPC against the all-in-one (its built Release dll, a separate process): time from start to
/// ready with the bundled catalog, then per question uncached (skip_cache) and cached latency, one call at a time.
/// Targets (issue 3): start ≤ 3 s; uncached ≤ 20 ms; cached p50 ≤ 1 ms.
/// </summary>
internal static class AskBenchmark
{
    private static readonly string[] Questions =
    [
        "How many people did ICE remove in fiscal year 2024?",
        "How many wrongful deportation cases were reported to DHS in 2024?",
        "How many deportable immigrants with criminal convictions does ICE release each year?",
        "How many immigrants with criminal convictions are on ICE's docket?",
    ];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public const string Usage = "usage: Tally.Bench ask --host PATH/Tally.AllInOne.dll [--iterations N] [--out DIR]";

    public static async Task<int> RunAsync(string[] args)
    {
        string? host = null;
        var iterations = 200;
        var outDir = Path.Combine(Environment.CurrentDirectory, "bench", "results");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--host": host = args[++i]; break;
                case "--iterations": iterations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": outDir = args[++i]; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'. {Usage}");
            }
        }

        if (host is null || !File.Exists(host))
        {
            throw new ArgumentException($"--host must name the built all-in-one dll (got '{host}'). {Usage}");
        }

        var (grpcPort, httpPort) = (FreePort(), FreePort());
        var info = new ProcessStartInfo("dotnet", [host])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["Tally__Host__GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["Tally__Host__HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["Tally__Storage__InMemory"] = "true";
        info.Environment["Logging__LogLevel__Default"] = "Warning";

        var started = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("the all-in-one did not start.");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            var startSeconds = await WaitReadyAsync(httpPort, started, process);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            var client = new QueryService.QueryServiceClient(channel.CreateCallInvoker());
            var rows = new List<Row>();
            foreach (var question in Questions)
            {
                // First call warms the JIT and fills the cache; it is not counted.
                await client.AskAsync(new AskRequest { Question = question, SkipCache = true });
                var uncached = await MeasureAsync(client, question, skipCache: true, iterations / 4);
                var cached = await MeasureAsync(client, question, skipCache: false, iterations);
                rows.Add(new Row(question, uncached, cached));
            }

            Report(outDir, startSeconds, rows);
            return 0;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private sealed record Stats(int Calls, double P50Ms, double P99Ms, double MeanMs);

    private sealed record Row(string Question, Stats Uncached, Stats Cached);

    private static async Task<Stats> MeasureAsync(QueryService.QueryServiceClient client, string question, bool skipCache, int calls)
    {
        var samples = new double[calls];
        var request = new AskRequest { Question = question, SkipCache = skipCache };
        for (var i = 0; i < calls; i++)
        {
            var t = Stopwatch.GetTimestamp();
            var answer = await client.AskAsync(request);
            samples[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            if (answer.Status == AnswerStatus.Unspecified)
            {
                throw new InvalidOperationException($"no status for '{question}'.");
            }
        }

        Array.Sort(samples);
        double P(double p) => samples[Math.Clamp((int)Math.Ceiling(p * calls) - 1, 0, calls - 1)];
        return new Stats(calls, P(0.50), P(0.99), samples.Average());
    }

    private static async Task<double> WaitReadyAsync(int httpPort, Stopwatch started, Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (started.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the all-in-one exited with code {process.ExitCode} before it was ready.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/readyz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return started.Elapsed.TotalSeconds;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the all-in-one was not ready within 60 s.");
    }

    private static void Report(string outDir, double startSeconds, List<Row> rows)
    {
        Directory.CreateDirectory(outDir);
        var stamp = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Ask benchmark, {stamp}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"All-in-one (Release) on loopback, in-memory SQLite, bundled catalog; one call at a time; {Environment.ProcessorCount} cores, load average {load} at the end.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Start to ready (/readyz 200): **{startSeconds:0.00} s** (target ≤ 3 s: {(startSeconds <= 3 ? "met" : "missed")}).");
        md.AppendLine();
        md.AppendLine("| question | uncached p50 | uncached p99 | cached p50 | cached p99 | uncached ≤ 20 ms | cached p50 ≤ 1 ms |");
        md.AppendLine("|---|---:|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Question} | {r.Uncached.P50Ms:0.00} ms | {r.Uncached.P99Ms:0.00} ms | {r.Cached.P50Ms:0.00} ms | {r.Cached.P99Ms:0.00} ms | {(r.Uncached.P50Ms <= 20 ? "met" : "missed")} | {(r.Cached.P50Ms <= 1 ? "met" : "missed")} |");
        }

        var mdPath = Path.Combine(outDir, $"ask-{stamp}.md");
        File.WriteAllText(mdPath, md.ToString());
        File.WriteAllText(Path.Combine(outDir, $"ask-{stamp}.json"),
            JsonSerializer.Serialize(new { date = stamp, startSeconds, load, rows }, Indented));
        Console.WriteLine(md.ToString());
        Console.WriteLine($"written: {mdPath}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
