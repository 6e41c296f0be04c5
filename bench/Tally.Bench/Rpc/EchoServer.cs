using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Tally.Bench.V1;
using Tally.Grpc;

namespace Tally.Bench.Rpc;

/// <summary>Tally's side of the benchmark: the Echo service on Tally.Grpc, Kestrel h2c, nothing else (no logging, no telemetry listener).</summary>
internal static class EchoServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (port, watchStdin) = args switch
        {
            ["--port", var value] => (int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture), false),
            ["--port", var value, "--exit-on-stdin-close"] => (int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture), true),
            _ => throw new ArgumentException("usage: echo-server --port N [--exit-on-stdin-close] (port 0 = any free port)"),
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddTallyGrpc();
        await using var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        Console.WriteLine($"READY {address.Port}");
        // With --exit-on-stdin-close: stop when the parent closes our stdin (or dies), so no server outlives the benchmark.
        var stdinClosed = watchStdin ? Task.Run(DrainStdin) : Task.Delay(Timeout.Infinite);
        await Task.WhenAny(stdinClosed, app.WaitForShutdownAsync());
        await app.StopAsync();
        // For the report: what the runtime spent on garbage collection while serving.
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"STATS gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} " +
            $"pause_ms={GC.GetTotalPauseDuration().TotalMilliseconds:0.0} allocated_bytes={GC.GetTotalAllocatedBytes()}"));
        return 0;
    }

    private static void DrainStdin()
    {
        var buffer = new char[256];
        while (Console.In.Read(buffer, 0, buffer.Length) > 0)
        {
        }
    }

    private sealed class EchoService : Echo.EchoBase
    {
        public override Task<EchoResponse> Unary(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(new EchoResponse { Payload = request.Payload, Tag = request.Tag });
    }
}
