using System.Diagnostics;
using Google.Protobuf;
using Tally.Bench.V1;
using Tally.Grpc;

namespace Tally.Bench.Rpc;

/// <summary>One measured run: a server, a number of calls in flight, throughput, latency and CPU.</summary>
internal sealed record RunResult(
    string Server, int Concurrency, int Round, long Calls, long Errors, double Seconds, double CallsPerSecond,
    double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double ServerCpuSeconds, double ClientCpuSeconds)
{
    /// <summary>Server CPU time per call, in microseconds.</summary>
    public double ServerCpuMicrosPerCall => Calls == 0 ? 0 : ServerCpuSeconds * 1e6 / Calls;
}

/// <summary>Closed-loop load: N workers, each with one call in flight at a time, for a fixed time.</summary>
internal static class LoadRun
{
    public static async Task<RunResult> RunAsync(ServerProcess server, Echo.EchoClient client, int concurrency, int round,
        TimeSpan warmup, TimeSpan duration, ByteString payload)
    {
        if (warmup > TimeSpan.Zero)
        {
            await DriveAsync(client, concurrency, warmup, payload);
        }
        var serverCpu = server.CpuTime;
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var (samples, errors) = await DriveAsync(client, concurrency, duration, payload);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var serverCpuSeconds = (server.CpuTime - serverCpu).TotalSeconds;
        var clientCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalSeconds;

        var all = samples.SelectMany(s => s).ToArray();
        Array.Sort(all);
        double Percentile(double p) => all.Length == 0 ? double.NaN
            : TicksToMs(all[Math.Clamp((int)Math.Ceiling(p * all.Length) - 1, 0, all.Length - 1)]);
        return new RunResult(server.Name, concurrency, round, all.Length, errors, seconds, all.Length / seconds,
            Percentile(0.50), Percentile(0.90), Percentile(0.99), Percentile(0.999), all.Length == 0 ? double.NaN : TicksToMs(all[^1]),
            serverCpuSeconds, clientCpuSeconds);
    }

    private static async Task<(List<long>[] Samples, long Errors)> DriveAsync(Echo.EchoClient client, int concurrency, TimeSpan duration, ByteString payload)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var samples = new List<long>[concurrency];
        var errors = new long[concurrency];
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var worker = w;
            samples[worker] = new List<long>(64 * 1024);
            workers[worker] = Task.Run(async () =>
            {
                long tag = worker << 40;
                var request = new EchoRequest { Payload = payload };
                while (Stopwatch.GetTimestamp() < end)
                {
                    request.Tag = ++tag;
                    var t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        var response = await client.UnaryAsync(request);
                        var t1 = Stopwatch.GetTimestamp();
                        if (response.Tag != tag || response.Payload.Length != payload.Length)
                        {
                            throw new InvalidOperationException($"echo mismatch: sent tag {tag}, got {response.Tag}.");
                        }
                        samples[worker].Add(t1 - t0);
                    }
                    catch (RpcException)
                    {
                        errors[worker]++;
                        if (errors[worker] > 1000)
                        {
                            throw;
                        }
                    }
                }
            });
        }
        await Task.WhenAll(workers);
        return (samples, errors.Sum());
    }

    private static double TicksToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
