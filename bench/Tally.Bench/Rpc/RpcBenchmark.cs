using System.Diagnostics;
using System.Reflection;
using Google.Protobuf;
using Tally.Bench.V1;
using Tally.Grpc;

namespace Tally.Bench.Rpc;

/// <summary>
/// Unary echo: Tally's server vs a @grpc/grpc-js server on the same proto, both in their own processes, both called by
/// Tally's client from this process, at each concurrency, in alternating order. Writes rpc-&lt;date&gt;.md and .json.
/// </summary>
internal static class RpcBenchmark
{
    public const string Tally = "tally";
    public const string GrpcJs = "grpc-js";

    public static async Task<int> RunAsync(RpcBenchmarkOptions options)
    {
        var nodeDir = options.NodeDirectory ?? Path.Combine(RepoRoot(), "tests", "interop-node");
        if (!Directory.Exists(Path.Combine(nodeDir, "node_modules", "@grpc", "grpc-js")))
        {
            throw new ArgumentException($"{nodeDir}/node_modules has no @grpc/grpc-js: run scripts/install-deps.sh (npm ci in tests/interop-node).");
        }
        var outDir = options.OutputDirectory ?? Path.Combine(RepoRoot(), "bench", "results");
        var machine = MachineInfo.Collect(nodeDir);
        Console.WriteLine($"rpc bench: {machine.Cpu}, {machine.Cores} cores; {options.Duration.TotalSeconds:0} s per run after " +
            $"{options.Warmup.TotalSeconds:0} s warm-up; load average {machine.LoadAverage}; concurrency {string.Join(",", options.Concurrency)}; payload {options.PayloadBytes} B; {options.Rounds} round(s)");

        var tally = await ServerProcess.StartAsync(Tally, SelfCommand("echo-server", "--port", "0", "--exit-on-stdin-close"));
        await using var node = await ServerProcess.StartAsync(GrpcJs, NodeCommand(nodeDir));
        using var tallyChannel = GrpcChannel.ForAddress(tally.Address);
        using var nodeChannel = GrpcChannel.ForAddress(node.Address);
        var runs = new List<RunResult>();
        try
        {
            await RunAllAsync(options, tally, tallyChannel, node, nodeChannel, runs);
        }
        finally
        {
            await tally.DisposeAsync(); // its GC statistics arrive on stderr as it exits
        }
        var gc = tally.ErrorOutput.Split('\n').FirstOrDefault(l => l.StartsWith("STATS ", StringComparison.Ordinal))?[6..].Trim() ?? "unknown";

        var report = new RpcReport(DateTimeOffset.UtcNow, machine, options, runs, MachineInfo.ReadLoadAverage(), gc);
        var (markdown, json) = report.Write(outDir);
        Console.WriteLine();
        Console.WriteLine(report.Summary());
        Console.WriteLine($"rpc bench: wrote {markdown} and {json}");
        return runs.Any(r => r.Errors > 0) ? 1 : 0;
    }

    private static async Task RunAllAsync(RpcBenchmarkOptions options, ServerProcess tally, GrpcChannel tallyChannel,
        ServerProcess node, GrpcChannel nodeChannel, List<RunResult> runs)
    {
        var clients = new Dictionary<string, (ServerProcess Server, Echo.EchoClient Client)>
        {
            [Tally] = (tally, new Echo.EchoClient(tallyChannel)),
            [GrpcJs] = (node, new Echo.EchoClient(nodeChannel)),
        };
        var payload = ByteString.CopyFrom(Enumerable.Range(0, options.PayloadBytes).Select(i => (byte)i).ToArray());

        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var concurrency in options.Concurrency)
            {
                string[] order = round % 2 == 1 ? [Tally, GrpcJs] : [GrpcJs, Tally];
                foreach (var name in order)
                {
                    var (server, client) = clients[name];
                    var run = await LoadRun.RunAsync(server, client, concurrency, round, options.Warmup, options.Duration, payload);
                    runs.Add(run);
                    Console.WriteLine($"  round {round} {name,-7} x{concurrency,-3} {run.CallsPerSecond,9:N0} calls/s  p50 {run.P50Ms,6:0.000} ms  " +
                        $"p99 {run.P99Ms,6:0.000} ms  server CPU {run.ServerCpuMicrosPerCall,5:0.0} µs/call  errors {run.Errors}");
                }
            }
        }
    }

    /// <summary>This benchmark's own executable with other arguments (works under `dotnet x.dll` and as an apphost).</summary>
    private static ProcessStartInfo SelfCommand(params string[] args)
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        var info = new ProcessStartInfo(processPath);
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            info.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    private static ProcessStartInfo NodeCommand(string nodeDir)
    {
        var info = new ProcessStartInfo("node") { WorkingDirectory = nodeDir };
        foreach (var arg in new[] { "server.js", "--port", "0", "--exit-on-stdin-close" })
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tests", "interop-node", "package.json")))
            {
                return dir.FullName;
            }
        }
        throw new ArgumentException($"the repository root (with tests/interop-node) was not found above {AppContext.BaseDirectory}; pass --node-dir and --out.");
    }
}
