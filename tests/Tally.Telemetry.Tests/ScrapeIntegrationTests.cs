using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Tally.Telemetry.Tests;

/// <summary>A real Kestrel host on 127.0.0.1 (ephemeral port), scraped over a socket, checked by promtool.</summary>
public sealed class ScrapeIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ScrapeOverHttp_IsValidExpositionThatPromtoolAccepts()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddTallyTelemetry();
        await using var app = builder.Build();
        app.MapPrometheusMetrics();
        await app.StartAsync();

        // Meters from the host's IMeterFactory, as services create them.
        var meter = app.Services.GetRequiredService<IMeterFactory>().Create("Tally.Telemetry.Tests.Scrape");
        var calls = meter.CreateCounter<long>("tally.test.calls", description: "Calls handled, by method and code.");
        var duration = meter.CreateHistogram<double>("tally.test.call.duration", "s", "Call duration.");
        var inflight = meter.CreateUpDownCounter<int>("tally.test.inflight", description: "Calls in progress.");
        meter.CreateObservableGauge("tally.test.cache.entries", () => 12, description: "Cache entries.");
        calls.Add(3, new("method", "Ask"), new("code", "OK"));
        calls.Add(1, new("method", "Ask"), new("code", "NOT_FOUND"));
        calls.Add(1, new("method", "quote\"back\\slash\nnewline"), new("code", "OK"));
        duration.Record(0.02, new KeyValuePair<string, object?>("method", "Ask"));
        duration.Record(3, new KeyValuePair<string, object?>("method", "Ask"));
        inflight.Add(2);

        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(PrometheusExporter.ContentType, response.Content.Headers.ContentType?.ToString());
        Assert.Contains("tally_test_calls_total{code=\"OK\",method=\"Ask\"} 3\n", body, StringComparison.Ordinal);
        Assert.Contains("tally_test_call_duration_seconds_bucket{method=\"Ask\",le=\"+Inf\"} 2\n", body, StringComparison.Ordinal);
        Assert.Contains("tally_test_inflight 2\n", body, StringComparison.Ordinal);
        Assert.Contains("tally_test_cache_entries 12\n", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE process_cpu_seconds_total counter\n", body, StringComparison.Ordinal);

        output.WriteLine(body);
        if (Promtool.Skipped)
        {
            output.WriteLine($"promtool check skipped ({Promtool.SkipVariable}=1).");
            return;
        }
        var promtool = Promtool.Find();
        Assert.True(promtool is not null,
            "promtool is not on PATH. Install it (Debian/Ubuntu: apt-get install -y prometheus), " +
            $"or set {Promtool.SkipVariable}=1 to skip this check.");
        var (exitCode, problems) = await Promtool.CheckMetricsAsync(promtool!, body);
        Assert.True(exitCode == 0 && problems.Length == 0,
            $"promtool check metrics exited {exitCode}:\n{problems}\n--- scrape ---\n{body}");
    }
}
