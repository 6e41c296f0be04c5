using System.Text.Json;

namespace Tally.Cli.Tests.Integration;

/// <summary>The CLI against the real embedded default (`make run`'s host) with the bundled catalog, over a real socket.</summary>
public sealed class CliAgainstAllInOneTests(AllInOneProcess host) : IClassFixture<AllInOneProcess>
{
    private Task<CliRunner.Result> Tally(params string[] args) =>
        CliRunner.RunAsync(["--server", host.Address.GetLeftPart(UriPartial.Authority), "--timeout", "60s", .. args]);

    [AllInOneFact]
    public async Task Ask_SeedQuestion_AnsweredWithTheAnnualReportFigure()
    {
        var text = await Tally("ask", "How many people did ICE remove in fiscal year 2024?");
        Assert.True(text.ExitCode == 0, $"exit {text.ExitCode}: {text.Stderr}\n{host.Log()}");
        Assert.StartsWith(" ANSWERED ", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("271,484", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("References", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("served from: ", text.Stdout, StringComparison.Ordinal);

        var json = await Tally("ask", "How many people did ICE remove in fiscal year 2024?", "--format", "json");
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal("ANSWERED", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(271484, doc.RootElement.GetProperty("figures")[0].GetProperty("value").GetDouble());
    }

    [AllInOneFact]
    public async Task Figure_UnknownMetric_NotFoundNamingTheNearest_Exit2()
    {
        var result = await Tally("figure", "ice-remvals", "--period", "FY2024");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: NOT_FOUND: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ice-removals", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
    }

    [AllInOneFact]
    public async Task Ask_EmptyQuestion_InvalidArgument_Exit2()
    {
        var result = await Tally("ask", "");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: INVALID_ARGUMENT: ", result.Stderr, StringComparison.Ordinal);
    }

    [AllInOneFact]
    public async Task MetricsAndSources_ListTheBundledCatalog()
    {
        var list = await Tally("metrics", "list");
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains("ice-removals", list.Stdout, StringComparison.Ordinal);

        var show = await Tally("metrics", "show", "ice-removals");
        Assert.True(show.ExitCode == 0, show.Stderr);
        Assert.Contains("(ice-removals @ v", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("Relations", show.Stdout, StringComparison.Ordinal);

        // A computed metric says what its answers say until its dataset is ingested.
        var computed = await Tally("metrics", "show", "ice-releases-convicted");
        Assert.True(computed.ExitCode == 0, computed.Stderr);
        Assert.Contains("Until the dataset is ingested", computed.Stdout, StringComparison.Ordinal);
        Assert.Contains("What would settle it: Ingesting ICE's detention statistics table", computed.Stdout, StringComparison.Ordinal);

        var sources = await Tally("sources");
        Assert.True(sources.ExitCode == 0, sources.Stderr);
        Assert.Contains("ice-annual-report-fy2024", sources.Stdout, StringComparison.Ordinal);
    }
}
