using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Tally.Bench.Rpc;

/// <summary>Where the numbers were taken.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Os, string DotNet, string Gc, string Node, string GrpcJs, string LoadAverage)
{
    /// <summary>The 1, 5 and 15 minute load averages (Linux), or "unknown".</summary>
    public static string ReadLoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The 1-minute load average, or 0 when unknown.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double OneMinuteLoad =>
        double.TryParse(LoadAverage.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : 0;

    public static MachineInfo Collect(string nodeDir)
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var grpcJs = "unknown";
        var package = Path.Combine(nodeDir, "node_modules", "@grpc", "grpc-js", "package.json");
        if (File.Exists(package))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(package));
            grpcJs = doc.RootElement.GetProperty("version").GetString() ?? grpcJs;
        }
        return new MachineInfo(cpu ?? RuntimeInformation.ProcessArchitecture.ToString(), Environment.ProcessorCount,
            RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent"),
            NodeVersion(), grpcJs, ReadLoadAverage());
    }

    private static string NodeVersion()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var version = node.StandardOutput.ReadToEnd().Trim();
            node.WaitForExit(10_000);
            return version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}

/// <summary>The benchmark's results: the best round per (server, concurrency), the ratios, the targets, every run.</summary>
internal sealed class RpcReport(DateTimeOffset when, MachineInfo machine, RpcBenchmarkOptions options, IReadOnlyList<RunResult> runs,
    string loadAverageAfter, string tallyServerGc)
{
    private const double TargetRatio = 2.0;
    private const double TargetP99Ms = 10.0;
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML: keep "+" and "µ" readable
    };

    private RunResult Best(string server, int concurrency) =>
        runs.Where(r => r.Server == server && r.Concurrency == concurrency).MaxBy(r => r.CallsPerSecond)!;

    private double Ratio(int concurrency) =>
        Best(RpcBenchmark.Tally, concurrency).CallsPerSecond / Best(RpcBenchmark.GrpcJs, concurrency).CallsPerSecond;

    private int Heaviest => options.Concurrency.Max();

    public string Summary()
    {
        var text = new StringBuilder();
        foreach (var c in options.Concurrency)
        {
            var (tally, node) = (Best(RpcBenchmark.Tally, c), Best(RpcBenchmark.GrpcJs, c));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"x{c}: tally {tally.CallsPerSecond:N0} calls/s (p99 {tally.P99Ms:0.00} ms) vs grpc-js {node.CallsPerSecond:N0} calls/s (p99 {node.P99Ms:0.00} ms): ratio {Ratio(c):0.00}x");
        }
        text.Append(TargetsLine());
        return text.ToString();
    }

    public (string Markdown, string Json) Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"rpc-{when:yyyy-MM-dd}");
        File.WriteAllText(stem + ".md", Markdown());
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(new
        {
            Date = when.ToString("O", CultureInfo.InvariantCulture),
            Machine = machine,
            LoadAverageAfter = loadAverageAfter,
            TallyServerGc = tallyServerGc,
            Settings = new
            {
                DurationSeconds = options.Duration.TotalSeconds,
                WarmupSeconds = options.Warmup.TotalSeconds,
                options.Concurrency,
                options.PayloadBytes,
                options.Rounds,
            },
            Ratios = options.Concurrency.ToDictionary(c => c.ToString(CultureInfo.InvariantCulture), Ratio),
            Targets = new
            {
                RatioAtHeaviest = TargetRatio,
                P99Ms = TargetP99Ms,
                RatioMet = Ratio(Heaviest) >= TargetRatio,
                P99Met = Best(RpcBenchmark.Tally, Heaviest).P99Ms <= TargetP99Ms,
            },
            Best = options.Concurrency.SelectMany(c => new[] { Best(RpcBenchmark.Tally, c), Best(RpcBenchmark.GrpcJs, c) }),
            Runs = runs,
        }, JsonOptions) + "\n");
        return (stem + ".md", stem + ".json");
    }

    private string TargetsLine()
    {
        var ratio = Ratio(Heaviest);
        var p99 = Best(RpcBenchmark.Tally, Heaviest).P99Ms;
        return string.Create(CultureInfo.InvariantCulture,
            $"targets at x{Heaviest}: throughput ratio {ratio:0.00}x (target >= {TargetRatio:0}x: {(ratio >= TargetRatio ? "met" : "MISSED")}); " +
            $"tally p99 {p99:0.00} ms (target <= {TargetP99Ms:0} ms: {(p99 <= TargetP99Ms ? "met" : "MISSED")})");
    }

    private string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# RPC benchmark — {when:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine("Unary echo (`tally.bench.v1.Echo/Unary`, bench/Tally.Bench/Protos) with Tally's client, against Tally's server");
        md.AppendLine("(Tally.Grpc on Kestrel h2c) and against a `@grpc/grpc-js` server (tests/interop-node/server.js), each in its own");
        md.AppendLine("process on 127.0.0.1. Closed loop: N workers, one call in flight each. Best round per row.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Machine: {machine.Cpu}, {machine.Cores} cores, {machine.Os}; {machine.DotNet} ({machine.Gc} GC); node {machine.Node}, @grpc/grpc-js {machine.GrpcJs}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Load average (1/5/15 min) before: {machine.LoadAverage}; after: {loadAverageAfter}.");
        if (machine.OneMinuteLoad > machine.Cores)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"**Warning: the machine was busy with other work (load {machine.OneMinuteLoad:0.0} on {machine.Cores} cores).** Under contention the");
            md.AppendLine("scheduler shares CPU per thread, which favours the multi-threaded .NET server over single-threaded node: treat the ratio as unreliable.");
            md.AppendLine();
        }
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Settings: {options.Duration.TotalSeconds:0} s measured after {options.Warmup.TotalSeconds:0} s warm-up per run; payload {options.PayloadBytes} B; {options.Rounds} round(s), servers alternating.");
        md.AppendLine();
        md.AppendLine("| in flight | server | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | server CPU µs/call | errors |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in options.Concurrency)
        {
            foreach (var r in new[] { Best(RpcBenchmark.Tally, c), Best(RpcBenchmark.GrpcJs, c) })
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {c} | {r.Server} | {r.CallsPerSecond:N0} | {r.P50Ms:0.000} | {r.P90Ms:0.000} | {r.P99Ms:0.000} | {r.P999Ms:0.000} | {r.MaxMs:0.0} | {r.ServerCpuMicrosPerCall:0.0} | {r.Errors} |");
            }
        }
        md.AppendLine();
        md.AppendLine("Ratio tally / grpc-js (throughput): " +
            string.Join(", ", options.Concurrency.Select(c => string.Create(CultureInfo.InvariantCulture, $"x{c} **{Ratio(c):0.00}×**"))) + ".");
        md.AppendLine();
        md.AppendLine(TargetsLine() + ".");
        md.AppendLine();
        var calls = runs.Where(r => r.Server == RpcBenchmark.Tally).Sum(r => r.Calls);
        md.AppendLine(CultureInfo.InvariantCulture, $"Tally server GC over the whole benchmark (warm-ups included, {calls:N0} measured calls): {tallyServerGc}.");
        md.AppendLine();
        md.AppendLine("The client shares the machine's cores with the server under test; grpc-js runs on one event-loop thread.");
        md.AppendLine("Reproduce: `make bench` (or `scripts/bench.sh --duration 10 --rounds 2`).");
        return md.ToString();
    }
}
