using Google.Protobuf;
using Tally.Analysis;
using Tally.Catalog.Model;
using Tally.Common.V1;
using Tally.Ingestion.Figures;
using Period = Tally.Common.V1.Period;
using PeriodKind = Tally.Common.V1.PeriodKind;
using Source = Tally.Common.V1.Source;

namespace Tally.Ingestion.Tests.Unit;

public sealed class FigureMappingTests
{
    [Theory]
    [InlineData("FY2024", PeriodKind.FiscalYear, "2023-10-01", "2024-09-30", "FY2024")]
    [InlineData("FY2025 through 2025-02", PeriodKind.FiscalYear, "2024-10-01", "2025-02-28", "FY2025 through 2025-02")]
    [InlineData("CY2023", PeriodKind.CalendarYear, "2023-01-01", "2023-12-31", "CY2023")]
    [InlineData("2024-07-21", PeriodKind.AsOfDate, "2024-07-21", "2024-07-21", "as of 2024-07-21")]
    [InlineData("FY2014..FY2023", PeriodKind.DateRange, "2013-10-01", "2023-09-30", "FY2014-FY2023")]
    public void CatalogPeriod_MapsToProtoPeriod(string text, PeriodKind kind, string start, string end, string label)
    {
        var period = Periods.FromCatalog(CatalogPeriod.Parse(text));

        Assert.Equal(kind, period.Kind);
        Assert.Equal(start, period.StartDate);
        Assert.Equal(end, period.EndDate);
        Assert.Equal(label, period.Label);
        Assert.Equal(text.Contains("through", StringComparison.Ordinal), period.YearToDate);
    }

    [Fact]
    public void FiscalYearMention_MapsToFiscalYearNamedByItsEndYear()
    {
        var mention = PeriodParser.Parse("in fiscal year 2024")[0];

        var period = Periods.FromMention(mention);

        Assert.NotNull(period);
        Assert.Equal(PeriodKind.FiscalYear, period.Kind);
        Assert.Equal(2024, period.FiscalYear);
        Assert.Equal("2023-10-01", period.StartDate);
    }

    [Fact]
    public void AnnualMention_HasNoPeriod()
    {
        Assert.Null(Periods.FromMention(PeriodParser.Parse("each year")[0]));
    }

    [Fact]
    public void CandidateRestatingACatalogFigure_IsNotStoredAgain_OthersAre()
    {
        const string text = "ICE reported 271,484 removals in FY2024. Separately, 1,234 arrests were made in FY2024.";
        var candidates = FigureExtractor.Extract(text);
        var cited = FragmentLocator.Find(text, "ICE reported 271,484 removals in FY2024").Span!.Value;
        var context = Context(text, [(cited, 271484d)]);

        var result = CandidateFigures.Build(candidates, context);

        Assert.Equal(1, result.AlreadyInCatalog);
        var stored = Assert.Single(result.Figures);
        Assert.Equal(1234, stored.Value);
        Assert.Equal(ReviewState.Unreviewed, stored.ReviewState);
        Assert.Equal("", stored.MetricId);
        Assert.Equal("FY2024", stored.Period.Label);
        Assert.Contains("#:~:text=", stored.Citations[0].Link, StringComparison.Ordinal);
    }

    [Fact]
    public void SameNumberInACitedPassageButAnotherValue_IsStored()
    {
        const string text = "ICE reported 271,484 removals in FY2024.";
        var cited = FragmentLocator.Find(text, text).Span!.Value;

        var result = CandidateFigures.Build(FigureExtractor.Extract(text), Context(text, [(cited, 32.7)]));

        Assert.Single(result.Figures);
        Assert.Equal(0, result.AlreadyInCatalog);
    }

    [Fact]
    public void FigureIds_AreDeterministicPerSnapshotAndPosition()
    {
        var a = CandidateFigures.FigureId("abc", new TextSpan(10, 5));

        Assert.Equal(a, CandidateFigures.FigureId("abc", new TextSpan(10, 5)));
        Assert.NotEqual(a, CandidateFigures.FigureId("abd", new TextSpan(10, 5)));
        Assert.NotEqual(a, CandidateFigures.FigureId("abc", new TextSpan(11, 5)));
        Assert.StartsWith("fig-", a, StringComparison.Ordinal);
    }

    private static CandidateFigures.Context Context(string text, IReadOnlyList<(TextSpan, double)> passages) => new(
        text,
        new ExtractedDocument { Text = text, Type = DocumentType.PlainText, MediaType = "text/plain" },
        new Snapshot { Id = new string('a', 64), SourceId = "s" },
        new Source { Id = "s", Url = "https://example.org/report" },
        [],
        passages,
        DateTimeOffset.UnixEpoch);
}
