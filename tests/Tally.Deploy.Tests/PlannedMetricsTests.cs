namespace Tally.Deploy.Tests;

/// <summary>The allow-list of planned metrics stays honest: documented, and only for names really in use.</summary>
public sealed class PlannedMetricsTests
{
    [Fact]
    public void PlannedMetrics_AreEachDocumentedInTheOperationsGuide()
    {
        var guide = File.ReadAllText(Repo.PathOf("docs/operations.md"));
        var undocumented = MetricNames.Planned().Keys.Where(n => !guide.Contains($"`{n}`", StringComparison.Ordinal)).ToList();
        Assert.True(undocumented.Count == 0, $"planned metrics not named in docs/operations.md: {string.Join(", ", undocumented)}");
        Assert.NotEmpty(MetricNames.Planned());
    }

    [Fact]
    public async Task PlannedMetrics_AreEachUsedByADashboardOrRule()
    {
        var used = (await MetricNames.UsedAsync()).ToHashSet(StringComparer.Ordinal);
        var unused = MetricNames.Planned().Keys.Where(n => !used.Contains(n)).ToList();
        Assert.True(unused.Count == 0,
            $"deploy/planned-metrics.txt lists names no dashboard or rule uses (remove them): {string.Join(", ", unused)}");
    }

    [Fact]
    public async Task UsedMetrics_IncludeTheGrpcAnswerAndProcessFamilies()
    {
        // Guards the extractor: if it silently found nothing, the "exported" test would pass vacuously.
        var used = await MetricNames.UsedAsync();
        Assert.Contains("grpc_server_handled_total", used);
        Assert.Contains("grpc_server_handling_seconds_bucket", used);
        Assert.Contains("tally_answers_total", used);
        Assert.Contains("process_resident_memory_bytes", used);
        Assert.DoesNotContain("grpc_code", used);                                // a label, not a metric
        Assert.DoesNotContain("tally:grpc_server_slow_ratio:rate5m", used);      // recorded by the rules themselves
    }
}
