using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tally.Query.V1;
using HealthCheckRequest = global::Grpc.Health.V1.HealthCheckRequest;
using HealthClient = global::Grpc.Health.V1.Health.HealthClient;

namespace Tally.Deploy.Tests;

/// <summary>
/// The all-in-one (services/allinone/Tally.AllInOne) as a real process on free loopback ports with in-memory
/// storage, built first (Release) and stopped with its process tree on dispose. Shared by the live tests.
/// </summary>
public sealed class AllInOneProcess : IAsyncLifetime
{
    private const string Project = "services/allinone/Tally.AllInOne";
    private static readonly TimeSpan ReadyBound = TimeSpan.FromSeconds(90);
    private readonly StringBuilder _log = new();
    private readonly Lock _logLock = new();
    private Process? _process;

    public int GrpcPort { get; } = FreePort();
    public int HttpPort { get; } = FreePort();
    public Uri MetricsUri => new($"http://127.0.0.1:{HttpPort}/metrics");

    /// <summary>Why the all-in-one is not running (build or start failed), or null when it runs.</summary>
    public string? Failure { get; private set; }

    /// <summary>What the traffic calls returned (for the test output).</summary>
    public List<string> TrafficNotes { get; } = [];

    public string Log
    {
        get { lock (_logLock) return _log.ToString(); }
    }

    public async Task InitializeAsync()
    {
        var build = await Repo.RunAsync("dotnet", ["build", Repo.PathOf(Project), "-c", "Release", "--disable-build-servers", "-nologo", "-v:q"],
            TimeSpan.FromMinutes(15), new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        if (build.ExitCode != 0)
        {
            Failure = $"{Project} does not build (dotnet build exit {build.ExitCode}):\n{build.Tail(30)}";
            return;
        }
        var dll = Repo.PathOf($"{Project}/bin/Release/net10.0/Tally.AllInOne.dll");
        if (!File.Exists(dll))
        {
            Failure = $"{dll} is missing after the build.";
            return;
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["Tally__Host__BindAddress"] = "127.0.0.1";
        start.Environment["Tally__Host__GrpcPort"] = GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Tally__Host__HttpPort"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Tally__Storage__InMemory"] = "true";
        // The traffic below ingests a document without a key: loopback callers edit here (auth: Tally.Security.Tests).
        start.Environment["Tally__Auth__AnonymousLoopbackRole"] = "editor";
        start.Environment["Tally__Catalog__Directory"] = Repo.PathOf("catalog");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        _process = Process.Start(start);
        if (_process is null)
        {
            Failure = "could not start dotnet";
            return;
        }
        _process.StandardInput.Close();
        _process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        _process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        if (!await WaitReadyAsync())
        {
            return;
        }
        await DriveTrafficAsync();
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }

    public Tally.Grpc.GrpcChannel OpenChannel() => Tally.Grpc.GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");

    public async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync(MetricsUri);
    }

    private async Task<bool> WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + ReadyBound;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                Failure = $"the all-in-one exited with code {_process.ExitCode} before it was ready:\n{Log}";
                return false;
            }
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/readyz"));
                if (response.StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // slow start
            }
            await Task.Delay(250);
        }
        Failure = $"the all-in-one was not ready (/readyz 200) within {ReadyBound.TotalSeconds:0} s:\n{Log}";
        return false;
    }

    /// <summary>
    /// Counters and histograms appear in /metrics only once something was measured: a health check (server
    /// metrics), two identical questions (answers, answer cache, and the query service's calls to the others) and a
    /// small document ingested (its SourceIngested goes through the outbox and the bus: published, consumed).
    /// </summary>
    private async Task DriveTrafficAsync()
    {
        using var channel = OpenChannel();
        try
        {
            var health = await new HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "" },
                deadline: DateTime.UtcNow.AddSeconds(10));
            TrafficNotes.Add($"health: {health.Status}");
        }
        catch (Tally.Grpc.RpcException e)
        {
            TrafficNotes.Add($"health: {e.StatusCode} {e.Status.Detail}");
        }
        var query = new QueryService.QueryServiceClient(channel);
        for (var i = 0; i < 2; i++)
        {
            try
            {
                var answer = await query.AskAsync(new AskRequest { Question = "How many people did ICE deport in 2024?" },
                    deadline: DateTime.UtcNow.AddSeconds(30));
                TrafficNotes.Add($"ask {i + 1}: {answer.Status}");
            }
            catch (Tally.Grpc.RpcException e)
            {
                TrafficNotes.Add($"ask {i + 1}: {e.StatusCode} {e.Status.Detail}"); // metrics are recorded either way
            }
        }

        try
        {
            var ingested = await new Tally.Ingestion.V1.IngestionService.IngestionServiceClient(channel).IngestDocumentAsync(new Tally.Ingestion.V1.IngestDocumentRequest
            {
                SourceId = "colorlines-2012-deportation-review",
                FileName = "deploy-test-note.txt",
                Content = Google.Protobuf.ByteString.CopyFromUtf8("A note for the deployment test: ICE removed 1,234 test people in FY2031."),
            }, deadline: DateTime.UtcNow.AddSeconds(30));
            TrafficNotes.Add($"ingest: snapshot {ingested.Snapshot.Id[..12]}");
            // The event is relayed and consumed asynchronously: wait (bounded) until both counters are in the scrape.
            var until = DateTime.UtcNow.AddSeconds(30);
            string scrape;
            while (!((scrape = await ScrapeAsync()).Contains("tally_bus_published_total{", StringComparison.Ordinal) &&
                     scrape.Contains("tally_bus_consumed_total{", StringComparison.Ordinal)) && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
        catch (Tally.Grpc.RpcException e)
        {
            TrafficNotes.Add($"ingest: {e.StatusCode} {e.Status.Detail}");
        }
    }

    private void AppendLog(string? line)
    {
        if (line is null) return;
        lock (_logLock)
        {
            if (_log.Length < 64 * 1024) _log.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
