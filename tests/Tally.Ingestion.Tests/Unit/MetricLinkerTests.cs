using Tally.Analysis;
using Tally.Definitions.V1;
using Tally.Ingestion.Figures;
using PeriodBasis = Tally.Definitions.V1.PeriodBasis;

namespace Tally.Ingestion.Tests.Unit;

public sealed class MetricLinkerTests
{
    private static readonly MetricDefinition Removals = Metric("ice-removals", PeriodBasis.FiscalYearUsFederal, "count", "ICE removals", "ICE removals", "ERO removals", "ICE deportations");
    private static readonly MetricDefinition CriminalRemovals = Metric("ice-removals-criminal-history", PeriodBasis.FiscalYearUsFederal, "count",
        "ICE removals of noncitizens with criminal histories", "criminal removals", "criminal-history removals");
    private static readonly MetricDefinition CriminalShare = Metric("ice-removals-criminal-history-share", PeriodBasis.FiscalYearUsFederal, "percent",
        "Share of ICE removals with criminal histories", "criminal-history removals", "share of removals that were criminals");
    private static readonly MetricDefinition DocketConvicted = Metric("ice-national-docket-convicted", PeriodBasis.AsOfDate, "count",
        "Convicted noncitizens on ICE's national docket", "convicted individuals on its national docket", "convicted noncitizens on the national docket");
    private static readonly MetricDefinition Arrests = Metric("ice-ero-administrative-arrests", PeriodBasis.FiscalYearUsFederal, "count",
        "ICE ERO administrative arrests", "administrative arrests");
    private static readonly MetricDefinition[] All = [Removals, CriminalRemovals, CriminalShare, DocketConvicted, Arrests];

    [Fact]
    public void AliasInUnitPhraseWithFiscalYear_LinksTheMetric()
    {
        var link = LinkFirst("ICE carried out 271,484 ERO removals in FY2024.", All);

        Assert.NotNull(link);
        Assert.Equal("ice-removals", link.MetricId);
        Assert.Equal(3, link.Version);
        Assert.Equal(Analysis.PeriodKind.FiscalYear, link.Period.Kind);
    }

    [Fact]
    public void LongerAliasWins_OverAShorterOneOfARelatedMetric()
    {
        var link = LinkFirst("ICE reported 88,763 criminal-history removals in FY2024.", All);

        Assert.Equal("ice-removals-criminal-history", link?.MetricId);
    }

    [Fact]
    public void StockMetric_NeedsAnAsOfDate()
    {
        Assert.Null(LinkFirst("ICE reported 435,719 convicted individuals on its national docket in FY2024.", All));

        var link = LinkFirst("ICE reported 435,719 convicted individuals on its national docket as of July 21, 2024.", All);
        Assert.Equal("ice-national-docket-convicted", link?.MetricId);
        Assert.Equal(Analysis.PeriodKind.AsOfDate, link?.Period.Kind);
    }

    [Fact]
    public void CountCandidate_NeverLinksToAPercentMetric()
    {
        var onlyShare = new[] { CriminalShare };

        Assert.Null(LinkFirst("ICE reported 88,763 criminal-history removals in FY2024.", onlyShare));
        Assert.Equal("ice-removals-criminal-history-share", LinkFirst("About 32.7% criminal-history removals in FY2024.", onlyShare)?.MetricId);
    }

    [Fact]
    public void NoPeriodInTheSentence_NotLinked()
    {
        Assert.Null(LinkFirst("ERO made 113,431 administrative arrests.", All));
    }

    [Fact]
    public void TwoMetricsMatchEqually_NotLinked()
    {
        var twin = Metric("dhs-removals", PeriodBasis.FiscalYearUsFederal, "count", "DHS removals", "ERO removals");

        Assert.Null(LinkFirst("ICE carried out 271,484 ERO removals in FY2024.", [Removals, twin]));
    }

    [Fact]
    public void GapMetric_NeverLinked()
    {
        var gap = Metric("wrongful-deportations", PeriodBasis.FiscalYearUsFederal, "count", "Wrongful deportations", "ERO removals");
        gap.Gap = new Gap { Question = "How many?" };

        Assert.Null(LinkFirst("ICE carried out 271,484 ERO removals in FY2024.", [gap]));
    }

    [Fact]
    public void Words_DropPluralsAndLittleWordsAndSplitHyphens()
    {
        Assert.Equal(["criminal", "history", "removal"], MetricLinker.Words("the criminal\u2011history removals"));
    }

    private static MetricLink? LinkFirst(string sentence, IReadOnlyList<MetricDefinition> metrics)
    {
        var candidate = FigureExtractor.Extract(sentence)[0];
        return MetricLinker.Link(candidate, metrics);
    }

    private static MetricDefinition Metric(string id, PeriodBasis basis, string unit, string name, params string[] aliases)
    {
        var metric = new MetricDefinition { Id = id, Version = 3, Name = name, PeriodBasis = basis, Unit = unit, Published = new PublishedSource() };
        metric.Aliases.AddRange(aliases);
        return metric;
    }
}
