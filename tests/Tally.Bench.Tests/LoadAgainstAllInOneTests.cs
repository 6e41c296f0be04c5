using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Tally.AllInOne;
using Tally.Bench.Load;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.Query.V1;
using Tally.Testing;

namespace Tally.Bench.Tests;

/// <summary>The embedded default in this process (in-memory SQLite and bus) on free loopback ports, for the load driver.</summary>
public sealed class EmbeddedTally : IAsyncLifetime
{
    private WebApplication? _app;

    public int GrpcPort { get; private set; }
    public int HttpPort { get; private set; }
    public Uri Address => new($"http://127.0.0.1:{GrpcPort}");

    public async Task InitializeAsync()
    {
        (GrpcPort, HttpPort) = FreePorts.Two();
        var settings = new Dictionary<string, string?>
        {
            ["Tally:Host:BindAddress"] = "127.0.0.1",
            ["Tally:Host:GrpcPort"] = GrpcPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = HttpPort.ToString(CultureInfo.InvariantCulture),
            // The driver ingests; loopback callers edit here (the load script itself creates real keys, see scripts/load.sh).
            ["Tally:Auth:AnonymousLoopbackRole"] = "editor",
            ["Tally:Storage:Provider"] = "sqlite",
            ["Tally:Storage:InMemory"] = "true",
            ["Tally:Bus:Transport"] = "inmemory",
            ["Tally:Catalog:Directory"] = Path.Combine(RepoRoot(), "catalog"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _app = AllInOneHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }

}

/// <summary>
/// The workload against a real server: every request the load run sends must pass the check the run applies to it
/// (a wrong catalog value, a refused dataset spec or a duplicate snapshot would fail every `make load`), and a short
/// bounded run must end without errors and with memory readings of the server process.
/// </summary>
public sealed class LoadAgainstAllInOneTests(EmbeddedTally tally) : IClassFixture<EmbeddedTally>
{
    [Fact]
    public async Task EveryOperation_EveryRequestOfItsList_PassesItsCheck()
    {
        using var channel = GrpcChannel.ForAddress(tally.Address);
        var invoker = channel.CreateCallInvoker();
        var workload = new LoadWorkload(new QueryService.QueryServiceClient(invoker), new IngestionService.IngestionServiceClient(invoker), "test",
            () => new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)));
        var random = new Random(3);
        long n = 0;

        // Enough calls that, with the random picks, every question, figure, source and dataset name comes up.
        foreach (var op in Enum.GetValues<Operation>())
        {
            var calls = op switch
            {
                Operation.AskVaried => LoadWorkload.VariedQuestions.Length * 4,
                Operation.Figure => LoadWorkload.Figures.Length * 4,
                _ => 12,
            };
            for (var i = 0; i < calls; i++)
            {
                var e = await Record.ExceptionAsync(() => workload.RunAsync(op, ++n, random, CancellationToken.None));
                Assert.True(e is null, $"{op} call {i}: {e}");
            }
        }

        // The same seed question twice in a row: the second answer is reported as served from the cache. Eviction events
        // of the ingests above may still arrive in between, so a few tries (bounded).
        var fromCache = false;
        for (var attempt = 0; attempt < 20 && !fromCache; attempt++)
        {
            await workload.RunAsync(Operation.AskRepeat, ++n, new Random(5), CancellationToken.None);
            fromCache = await workload.RunAsync(Operation.AskRepeat, ++n, new Random(5), CancellationToken.None);
        }

        Assert.True(fromCache, "a repeated question was never served from the cache");
        Assert.False(await workload.RunAsync(Operation.AskVaried, ++n, new Random(5), CancellationToken.None), "skip_cache answers are computed");
    }

    [Fact]
    public async Task ShortRun_NoErrorsEveryOperationRanMemorySampledWithGcHeap()
    {
        var json = Path.Combine(Path.GetTempPath(), "not-written.json"); // RunAsync(options) returns the result; only the command writes it
        var options = LoadOptions.Parse(
        [
            "--mode", "embedded", "--query", tally.Address.ToString(), "--json", json,
            "--process", $"self={Environment.ProcessId},http://127.0.0.1:{tally.HttpPort}/metrics",
            "--duration", "3", "--warmup", "1", "--concurrency", "8", "--sample-every", "0.2",
            "--mix", "ask-repeat=1,ask-varied=1,figure=1,document=1,dataset=1",
        ], _ => null);

        var result = await LoadRunner.RunAsync(options, CancellationToken.None);

        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => $"{e.Operation} {e.Code} {e.Count}: {e.Example}")));
        Assert.True(result.Total.Calls > 0);
        Assert.False(result.TokenSent);
        Assert.Equal(5, result.Operations.Count);
        var self = Assert.Single(result.Processes);
        Assert.Equal(Environment.ProcessId, self.Pid);
        Assert.True(self.StartRssBytes > 0);
        Assert.NotNull(self.LastGcHeapBytes);
        Assert.Contains(result.Memory, m => m.Seconds < 0); // the warm-up is sampled too, and left out of the verdict
        Assert.Equal(result.Total.Calls, result.Operations.Sum(o => o.Calls));
    }
}
