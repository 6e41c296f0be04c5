using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Xunit.Abstractions;
using HealthCheckRequest = global::Grpc.Health.V1.HealthCheckRequest;
using HealthClient = global::Grpc.Health.V1.Health.HealthClient;
using ServingStatus = global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Tally.Deploy.Tests;

/// <summary>The deployment's assumptions against a running all-in-one: gRPC health for the probes, its /metrics, a real Prometheus.</summary>
public sealed class AllInOneLiveTests(AllInOneProcess allInOne, ITestOutputHelper output) : IClassFixture<AllInOneProcess>
{
    private const string SkipPrometheusVariable = "TALLY_SKIP_PROMETHEUS";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GrpcHealthCheck_OnTheGrpcPort_IsServing_AsTheNativeProbesExpect()
    {
        // The chart's startup, readiness and liveness probes are `grpc: {port: <grpc port>}`: the kubelet calls
        // grpc.health.v1.Health/Check with service "" over h2c and needs SERVING.
        RequireRunning();
        using var channel = allInOne.OpenChannel();
        var response = await new HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "" },
            deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task EveryMetricInDashboardsAndAlerts_IsExportedByTheAllInOne_OrExplicitlyPlanned()
    {
        RequireRunning();
        var scraped = MetricNames.InScrape(await allInOne.ScrapeAsync());
        var used = await MetricNames.UsedAsync();
        var planned = MetricNames.Planned();
        output.WriteLine($"traffic before the scrape: {string.Join("; ", allInOne.TrafficNotes)}");
        output.WriteLine($"{used.Count} metric names used by dashboards and rules; {scraped.Count} sample names scraped.");

        var missing = used.Where(n => !scraped.Contains(n) && !MetricNames.FromPrometheus.Contains(n)).ToList();
        foreach (var n in missing.Where(planned.ContainsKey))
        {
            output.WriteLine($"WARNING: {n} is used but not exported yet (planned: {planned[n]})");
        }
        var unexplained = missing.Where(n => !planned.ContainsKey(n)).ToList();
        Assert.True(unexplained.Count == 0,
            $"used by a dashboard or alert but not exported by the all-in-one: {string.Join(", ", unexplained)}. " +
            "Fix the name in deploy/grafana/dashboards or deploy/prometheus, export the metric, or (if another issue adds it) " +
            "list it in deploy/planned-metrics.txt and docs/operations.md.");

        var nowExported = planned.Keys.Where(scraped.Contains).ToList();
        Assert.True(nowExported.Count == 0,
            $"exported now, so no longer planned: remove {string.Join(", ", nowExported)} from deploy/planned-metrics.txt " +
            "(and mark it exported in docs/operations.md).");
    }

    [Fact]
    public async Task RealPrometheus_ScrapesTheAllInOne_AndPromQLOverItsMetricsReturnsData()
    {
        RequireRunning();
        if (Environment.GetEnvironmentVariable(SkipPrometheusVariable) == "1")
        {
            output.WriteLine($"skipped: {SkipPrometheusVariable}=1");
            return;
        }
        var binary = FindOnPath("prometheus");
        Assert.True(binary is not null,
            "prometheus is not on PATH. Install it (Debian/Ubuntu: apt-get install -y prometheus; scripts/install-deps.sh does), " +
            $"or set {SkipPrometheusVariable}=1 to skip this test.");

        var dir = Directory.CreateTempSubdirectory("tally-prometheus-");
        var port = FreePort();
        var config = Path.Combine(dir.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {Repo.PathOf("deploy/prometheus/tally.rules.yml")}
            scrape_configs:
              - job_name: tally-allinone
                static_configs:
                  - targets: ["127.0.0.1:{allInOne.HttpPort}"]
            """);
        var start = new ProcessStartInfo(binary!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir.FullName, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
                 })
        {
            start.ArgumentList.Add(a);
        }
        using var prometheus = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        prometheus.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        prometheus.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        prometheus.StandardInput.Close();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

            var up = await PollAsync(http, "up{job=\"tally-allinone\"}", r => r.Any(s => s.Value == "1"), prometheus, log);
            output.WriteLine($"up: {string.Join(", ", up.Select(s => s.Value))}");

            var started = await PollAsync(http, "sum(grpc_server_started_total{job=\"tally-allinone\"})",
                r => r.Any(s => double.Parse(s.Value, System.Globalization.CultureInfo.InvariantCulture) >= 1), prometheus, log);
            output.WriteLine($"sum(grpc_server_started_total): {started[0].Value}");

            var memory = await PollAsync(http, "process_resident_memory_bytes{job=\"tally-allinone\"}", r => r.Count > 0, prometheus, log);
            Assert.True(double.Parse(memory[0].Value, System.Globalization.CultureInfo.InvariantCulture) > 1_000_000,
                $"resident memory of a running .NET process should be above 1 MB, got {memory[0].Value}");

            // Prometheus loaded Tally's rule file and evaluates every rule without error.
            var rules = await PollRulesAsync(http, prometheus, log);
            Assert.Contains("tally-alerts", rules.Keys);
            Assert.Contains("tally-slo-recording", rules.Keys);
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill(entireProcessTree: true);
                await prometheus.WaitForExitAsync();
            }
            try { dir.Delete(recursive: true); } catch (IOException) { /* best effort */ }
        }
    }

    private void RequireRunning()
    {
        if (allInOne.Failure is not null) Assert.Fail(allInOne.Failure);
    }

    private sealed record Sample(string Labels, string Value);

    private static async Task<IReadOnlyList<Sample>> PollAsync(
        HttpClient http, string query, Func<IReadOnlyList<Sample>, bool> done, Process prometheus, System.Text.StringBuilder log)
    {
        var deadline = DateTime.UtcNow + Bound;
        IReadOnlyList<Sample> last = [];
        string lastError = "no answer yet";
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(prometheus.HasExited, $"prometheus exited with code {(prometheus.HasExited ? prometheus.ExitCode : 0)}:\n{Text(log)}");
            try
            {
                using var response = await http.GetAsync(new Uri($"/api/v1/query?query={Uri.EscapeDataString(query)}", UriKind.Relative));
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                if (json.RootElement.GetProperty("status").GetString() == "success")
                {
                    last = json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
                        .Select(r => new Sample(r.GetProperty("metric").ToString(), r.GetProperty("value")[1].GetString()!))
                        .ToList();
                    if (done(last)) return last;
                    lastError = $"result so far: [{string.Join(", ", last)}]";
                }
                else
                {
                    lastError = json.RootElement.ToString();
                }
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message; // not listening yet
            }
            catch (TaskCanceledException e)
            {
                lastError = e.Message;
            }
            await Task.Delay(500);
        }
        Assert.Fail($"PromQL `{query}` returned no matching data within {Bound.TotalSeconds:0} s ({lastError}).\nprometheus log:\n{Text(log)}");
        return last;
    }

    /// <summary>Rule groups by name, once every rule has been evaluated with health "ok".</summary>
    private static async Task<Dictionary<string, int>> PollRulesAsync(HttpClient http, Process prometheus, System.Text.StringBuilder log)
    {
        var deadline = DateTime.UtcNow + Bound;
        var last = "no answer yet";
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(prometheus.HasExited, $"prometheus exited:\n{Text(log)}");
            using var response = await http.GetAsync(new Uri("/api/v1/rules", UriKind.Relative));
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var groups = json.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray().ToList();
            var rules = groups.SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
            var notOk = rules.Where(r => r.GetProperty("health").GetString() != "ok").ToList();
            var failed = notOk.Where(r => r.GetProperty("health").GetString() == "err").ToList();
            Assert.True(failed.Count == 0, $"rules failing in Prometheus: {string.Join("; ", failed.Select(r => r.ToString()))}");
            if (groups.Count > 0 && notOk.Count == 0)
            {
                return groups.ToDictionary(g => g.GetProperty("name").GetString()!, g => g.GetProperty("rules").GetArrayLength());
            }
            last = $"{groups.Count} groups, {notOk.Count} rules not evaluated yet";
            await Task.Delay(500);
        }
        Assert.Fail($"Prometheus did not evaluate Tally's rules within {Bound.TotalSeconds:0} s ({last}).\n{Text(log)}");
        return [];
    }

    private static string Text(System.Text.StringBuilder log)
    {
        lock (log) return log.ToString();
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
