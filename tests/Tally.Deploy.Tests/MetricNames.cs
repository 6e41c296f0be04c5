namespace Tally.Deploy.Tests;

/// <summary>Metric names: what dashboards and rules use, what is planned, what a scrape exports.</summary>
internal static class MetricNames
{
    public static readonly string[] RuleFiles = ["deploy/prometheus/tally.rules.yml"];

    /// <summary>Series Prometheus itself adds to every target: not Tally's to export.</summary>
    public static readonly IReadOnlySet<string> FromPrometheus = new HashSet<string>(StringComparer.Ordinal) { "up" };

    private static readonly Lazy<Task<IReadOnlyList<string>>> Used = new(ExtractUsedAsync);

    /// <summary>Names used by the dashboards and the alert rules (deploy/tools/observability.js metric-names).</summary>
    public static Task<IReadOnlyList<string>> UsedAsync() => Used.Value;

    private static async Task<IReadOnlyList<string>> ExtractUsedAsync()
    {
        var setup = await Repo.RunAsync("bash", [Repo.PathOf("scripts/check-deploy.sh"), "tools"], TimeSpan.FromMinutes(5));
        Assert.True(setup.ExitCode == 0, $"installing the deploy tools failed:\n{setup.Tail()}");
        var dashboards = Directory.GetFiles(Repo.PathOf("deploy/grafana/dashboards"), "*.json").Order(StringComparer.Ordinal);
        var result = await Repo.RunAsync("node",
            [Repo.PathOf("deploy/tools/observability.js"), "metric-names", .. dashboards, .. RuleFiles.Select(Repo.PathOf)],
            TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"observability.js metric-names failed:\n{result.Tail()}");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>deploy/planned-metrics.txt: name → note.</summary>
    public static IReadOnlyDictionary<string, string> Planned() =>
        File.ReadAllLines(Repo.PathOf("deploy/planned-metrics.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);

    /// <summary>Sample names in a Prometheus text exposition (histograms give _bucket, _sum and _count).</summary>
    public static IReadOnlySet<string> InScrape(string exposition) =>
        exposition.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l[..l.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);
}
