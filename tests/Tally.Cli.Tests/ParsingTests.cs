using System.CommandLine;
using Tally.Cli.Infrastructure;
using Tally.Common.V1;

namespace Tally.Cli.Tests;

public sealed class ParsingTests
{
    private static (RootCommand Root, GlobalOptions Globals) Build()
    {
        var env = CliEnvironment.ForWriters(TextWriter.Null, TextWriter.Null);
        var globals = new GlobalOptions();
        return (Program.BuildRoot(new CliContext(env, globals)), globals);
    }

    private static ParseResult Parse(params string[] args) => Build().Root.Parse(args);

    [Theory]
    [InlineData("ask", "How many?")]
    [InlineData("ask", "How many?", "--format", "json")]
    [InlineData("ask", "How many?", "-f", "markdown", "--no-cache", "--why", "--metric", "ice-removals")]
    [InlineData("figure", "ice-removals", "--period", "FY2024", "-d", "criminality=convicted", "-d", "agency=ICE")]
    [InlineData("series", "ice-removals", "--from", "FY2019", "--to", "FY2024")]
    [InlineData("check", "ICE deported 271,484 people in 2024", "--format", "jsonld")]
    [InlineData("explain", "a", "b", "--period", "2024-07-21")]
    [InlineData("metrics", "list", "--search", "removal")]
    [InlineData("metrics", "show", "ice-removals", "--version", "2")]
    [InlineData("sources")]
    [InlineData("ingest", "document", "report.html", "--title", "T", "--publisher", "P", "--url", "https://x.org", "--published", "2024-12-19", "--kind", "news")]
    [InlineData("ingest", "document", "report.html", "--source", "ice-annual-report-fy2024")]
    [InlineData("ingest", "dataset", "book-outs.csv", "--spec", "spec.yaml", "--name", "ice-detention-stats")]
    [InlineData("health")]
    [InlineData("--server", "127.0.0.1:7500", "--timeout", "2m", "health")]
    public void ValidCommandLines_ParseWithoutErrors(params string[] args)
    {
        var result = Parse(args);
        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("ask")]
    [InlineData("ask", "q", "--format", "xml")]
    [InlineData("figure", "ice-removals")]
    [InlineData("check", "claim", "--format", "yaml")]
    [InlineData("explain", "only-one")]
    [InlineData("metrics")]
    [InlineData("ingest", "document", "f.txt", "--kind", "blog")]
    [InlineData("health", "--timeout", "soon")]
    [InlineData("frobnicate")]
    public void InvalidCommandLines_AreParseErrors(params string[] args) => Assert.NotEmpty(Parse(args).Errors);

    [Fact]
    public void GlobalOptions_WorkAfterTheSubcommandToo()
    {
        var (root, globals) = Build();
        var result = root.Parse(["metrics", "show", "x", "--server", "10.0.0.5:7400", "--timeout", "500ms"]);
        Assert.Empty(result.Errors);
        Assert.Equal("10.0.0.5:7400", result.GetValue(globals.Server));
        Assert.Equal(TimeSpan.FromMilliseconds(500), result.GetValue(globals.Timeout));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("45", 45)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("1.5s", 1.5)]
    [InlineData("250ms", 0.25)]
    public void Timeout_AcceptsDurations(string text, double seconds)
    {
        Assert.True(TimeoutOption.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1s")]
    [InlineData("2 days")]
    [InlineData("48h")]
    public void Timeout_RefusesNonsense(string text) => Assert.False(TimeoutOption.TryParse(text, out _));

    [Fact]
    public void ServerAddress_OptionBeatsEnvironmentBeatsDefault()
    {
        string? Env(string name) => name == "TALLY_SERVER" ? "10.1.1.1:7000" : null;
        Assert.Equal(new Uri("http://127.0.0.1:9000"), ServerAddress.Resolve("127.0.0.1:9000", Env));
        Assert.Equal(new Uri("http://10.1.1.1:7000"), ServerAddress.Resolve(null, Env));
        Assert.Equal(new Uri("http://127.0.0.1:7400"), ServerAddress.Resolve(null, _ => null));
        Assert.Equal(new Uri("https://tally.example.org:443"), ServerAddress.Resolve("https://tally.example.org:443", _ => null));
    }

    [Theory]
    [InlineData("foo bar")]
    [InlineData("ftp://host:21")]
    [InlineData("http://host:7400/path")]
    public void ServerAddress_RefusesWhatIsNotHostPort(string text)
    {
        var error = Assert.Throws<CliUsageException>(() => ServerAddress.Resolve(text, _ => null));
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Periods_ParseToProtoPeriodsWithDates()
    {
        var fy = PeriodArgument.Parse("FY2024");
        Assert.Equal((PeriodKind.FiscalYear, 2024, "2023-10-01", "2024-09-30", "FY2024"), (fy.Kind, fy.FiscalYear, fy.StartDate, fy.EndDate, fy.Label));
        var q = PeriodArgument.Parse("fy2024 q2");
        Assert.Equal((PeriodKind.FiscalQuarter, 2, "2024-01-01", "2024-03-31"), (q.Kind, q.Quarter, q.StartDate, q.EndDate));
        var cy = PeriodArgument.Parse("CY2024");
        Assert.Equal((PeriodKind.CalendarYear, 2024, "2024-12-31"), (cy.Kind, cy.CalendarYear, cy.EndDate));
        var month = PeriodArgument.Parse("2024-02");
        Assert.Equal((PeriodKind.Month, 2, "2024-02-29"), (month.Kind, month.Month, month.EndDate));
        var day = PeriodArgument.Parse("2024-07-21");
        Assert.Equal((PeriodKind.AsOfDate, "2024-07-21", "as of 2024-07-21"), (day.Kind, day.EndDate, day.Label));
        var range = PeriodArgument.Range("FY2019", "FY2024");
        Assert.Equal((PeriodKind.DateRange, "2018-10-01", "2024-09-30", "FY2019-FY2024"), (range.Kind, range.StartDate, range.EndDate, range.Label));
    }

    [Theory]
    [InlineData("2024", "ambiguous")]
    [InlineData("FY2024 Q5", "Q1 to Q4")]
    [InlineData("last year", "not understood")]
    public void Periods_RefuseAmbiguousOrUnknownText(string text, string expected)
    {
        var error = Assert.Throws<CliUsageException>(() => PeriodArgument.Parse(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dimensions_AreKeyValuePairs()
    {
        var dims = DimensionOption.Parse(["criminality=convicted", "release_reason = Order of Recognizance"]).ToList();
        Assert.Equal(("criminality", "convicted"), (dims[0].Key, dims[0].Value));
        Assert.Equal(("release_reason", "Order of Recognizance"), (dims[1].Key, dims[1].Value));
        Assert.Throws<CliUsageException>(() => DimensionOption.Parse(["criminality"]).ToList());
    }
}
