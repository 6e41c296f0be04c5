using Tally.Catalog.Model;

namespace Tally.Catalog.Tests;

/// <summary>The catalog shipped in catalog/: it loads, and it says what the seed documents say.</summary>
public sealed class BundledCatalogTests
{
    private static readonly Lazy<Catalog> Bundled = new(() => CatalogLoader.Load(RepoPaths.BundledCatalog));

    private static Catalog C => Bundled.Value;

    private static Figure Only(string metric, string period) =>
        Assert.Single(C.FiguresFor(metric), f => f.Period.Text == period);

    [Fact]
    public void BundledCatalog_LoadsWithoutErrors()
    {
        var ok = CatalogLoader.TryLoad(RepoPaths.BundledCatalog, out var catalog, out var errors);

        Assert.True(ok, string.Join("\n", errors));
        Assert.NotNull(catalog);
        Assert.Matches("^[0-9a-f]{16}$", catalog!.Version);
        Assert.True(catalog.Metrics.Length >= 30, $"only {catalog.Metrics.Length} metrics");
        Assert.True(catalog.Figures.Length >= 43, $"only {catalog.Figures.Length} figures");
    }

    [Theory]
    [InlineData("ice-removals", "FY2024", 271484)]
    [InlineData("ice-removals-criminal-history", "FY2024", 88763)]
    [InlineData("ice-removals-criminal-history-share", "FY2024", 32.7)]
    [InlineData("ice-national-docket-convicted", "2024-07-21", 435719)]
    [InlineData("ice-national-docket-pending-charges", "2024-07-21", 226847)]
    [InlineData("ice-national-docket-criminal-history", "2024-07-21", 662566)]
    [InlineData("trac-nta-dismissals", "FY2023", 68869)]
    [InlineData("trac-nta-dismissals", "FY2014", 217)]
    [InlineData("trac-nta-dismissals-cumulative", "2021-01..2024-02", 200000)]
    [InlineData("trac-nta-dismissal-rate", "FY2024 through 2024-02", 1)]
    [InlineData("frtf-children-reunified", "2024-03-20", 795)]
    [InlineData("ice-removals-separated-parents-undocumented", "2017-07..2018-07-11", 348)]
    [InlineData("ice-pd-review-2011-cases-examined", "2012-05-29", 288361)]
    [InlineData("ice-pd-review-2011-cases-closed", "2012-05-29", 4403)]
    [InlineData("ice-pd-review-2011-cases-in-scope", "unspecified", 411000)]
    [InlineData("ice-ero-administrative-arrests", "FY2024", 113431)]
    [InlineData("ice-ero-at-large-arrests", "FY2024", 33243)]
    [InlineData("ice-hsi-criminal-arrests", "FY2024", 32608)]
    [InlineData("ice-opla-completions-supported", "FY2024", 582860)]
    [InlineData("ice-opla-pd-dismissals", "FY2024", 126077)]
    [InlineData("ice-opla-removal-orders", "FY2024", 287000)]
    [InlineData("ice-opla-dismissal-closure-reviews", "FY2024", 368338)]
    [InlineData("ice-hsi-precursor-chemicals-seized", "FY2024", 757478)]
    [InlineData("ice-hsi-currency-assets-seized", "FY2024", 886000000)]
    [InlineData("ice-opr-detention-inspections", "FY2024", 194)]
    public void KeyFact_HasTheSeedValue(string metric, string period, double value)
    {
        Assert.Equal((decimal)value, Only(metric, period).Value);
    }

    [Fact]
    public void QualifiersAndStatuses_FollowTheSourcesWording()
    {
        Assert.Equal(FigureQualifier.AtLeast, Only("ice-removals-separated-parents-undocumented", "2017-07..2018-07-11").Qualifier);
        Assert.Equal(FigureQualifier.Nearly, Only("trac-nta-dismissals-cumulative", "2021-01..2024-02").Qualifier);
        Assert.Equal(FigureQualifier.MoreThan, Only("trac-nta-dismissal-rate", "FY2024 through 2024-02").Qualifier);
        Assert.Equal(FigureStatus.YearToDate, Only("trac-nta-dismissal-rate", "FY2024 through 2024-02").Status);
        Assert.Equal(FigureQualifier.LessThan, Only("ice-pd-review-2011-closed-share", "2012-05-29").Qualifier);
        Assert.Equal(FigureQualifier.MoreThan, Only("ice-opla-relief-orders", "FY2024").Qualifier);

        var characterisation = Assert.Single(C.FiguresFor("ice-removals"), f => f.Qualifier == FigureQualifier.OrderOfMagnitude);
        Assert.Equal(PeriodBasis.Unspecified, characterisation.Period.Basis);
        Assert.Contains("Wessler", characterisation.AttributedTo, StringComparison.Ordinal);
    }

    [Fact]
    public void FiguresTakenFromReports_NameTheOriginalPublication()
    {
        var removals = Only("ice-removals", "FY2024");
        var docket = Only("ice-national-docket-convicted", "2024-07-21");

        Assert.All(removals.Citations, c => Assert.Equal("ice-annual-report-fy2024", c.OriginalSource));
        Assert.All(docket.Citations, c => Assert.Equal("ice-letter-gonzales-2024-09-25", c.OriginalSource));
        Assert.Equal(SourceKind.FactCheck, C.FindSource(removals.Citations[0].Source)!.Kind);
        Assert.Equal(SourceKind.OfficialCorrespondence, C.FindSource("ice-letter-gonzales-2024-09-25")!.Kind);
    }

    [Fact]
    public void CriminalHistoryOnTheDocket_IsConvictedPlusPending()
    {
        var metric = C.GetMetric("ice-national-docket-criminal-history");
        var sum = Assert.IsType<DerivedValues>(metric.Values);

        Assert.Equal(DerivedOp.Sum, sum.Op);
        Assert.Equal(
            Only("ice-national-docket-criminal-history", "2024-07-21").Value,
            sum.Of.Sum(id => Only(id, "2024-07-21").Value));
        Assert.Contains(C.Relations, r => r is { From: "ice-national-docket-convicted", To: "ice-national-docket-criminal-history", Type: RelationType.ComponentOf });
        Assert.Contains(C.Relations, r => r is { From: "ice-national-docket-pending-charges", To: "ice-national-docket-criminal-history", Type: RelationType.ComponentOf });
    }

    [Fact]
    public void PublishedShares_AgreeWithTheirRecomputedParts()
    {
        var removalsShare = 100m * Only("ice-removals-criminal-history", "FY2024").Value / Only("ice-removals", "FY2024").Value;
        var reviewShare = 100m * Only("ice-pd-review-2011-cases-closed", "2012-05-29").Value / Only("ice-pd-review-2011-cases-in-scope", "unspecified").Value;

        Assert.Equal(Only("ice-removals-criminal-history-share", "FY2024").Value, Math.Round(removalsShare, 1));
        Assert.True(reviewShare < Only("ice-pd-review-2011-closed-share", "2012-05-29").Value, $"{reviewShare:F2}% should be under 2%");
    }

    [Fact]
    public void IceReleasesConvicted_ComputedFromBookOuts_SaysWhatSettlesItUntilIngested()
    {
        var metric = C.GetMetric("ice-releases-convicted");

        Assert.False(metric.IsGap);
        var computed = Assert.IsType<ComputedValues>(metric.Values);
        Assert.Equal(("ice-detention-stats/book_outs_by_reason", "sum(n_book_outs)", "date", PeriodBasis.UsFederalFiscalYear), (computed.Dataset, computed.Measure, computed.DateColumn, computed.Calendar));
        Assert.Equal(["Bonded Out", "Order of Recognizance", "Order of Supervision", "Paroled", "Court Ordered", "Prosecutorial Discretion"], computed.Filters["release_reason"].ToArray());
        Assert.Equal(["Convicted Criminal"], computed.Filters["criminality"].ToArray());
        Assert.Contains("book-outs-by-reason.csv", computed.UntilIngested!.WhatWouldSettleIt, StringComparison.Ordinal);
        Assert.NotEmpty(computed.UntilIngested.Leads);
        Assert.Empty(C.FiguresFor("ice-releases-convicted"));
    }

    [Theory]
    [InlineData("wrongful-deportations-reported-to-dhs", PeriodBasis.CalendarYear, "DHS")]
    public void KnownGaps_AreGapsThatSayWhatWouldSettleThem(string id, PeriodBasis basis, string settledBy)
    {
        var metric = C.GetMetric(id);

        Assert.True(metric.IsGap);
        Assert.Null(metric.Values);
        Assert.Equal(basis, metric.Period.Basis);
        Assert.Contains(settledBy, metric.Gap!.WhatWouldSettleIt, StringComparison.Ordinal);
        Assert.NotEmpty(metric.Gap.Leads);
        Assert.Empty(C.FiguresFor(id));
    }

    [Theory]
    [InlineData("ice-national-docket-convicted", "ice-releases-convicted", "STOCK_NOT_FLOW")]
    [InlineData("ice-non-detained-docket-convicted", "ice-releases-convicted", "STOCK_NOT_FLOW")]
    [InlineData("ice-removals-criminal-history", "ice-releases-convicted", "DIFFERENT_EVENT")]
    [InlineData("ice-removals", "dhs-returns", "DIFFERENT_EVENT")]
    [InlineData("ice-removals", "dhs-removals", "SCOPE_NARROWER")]
    [InlineData("ice-removals", "ice-opla-removal-orders", "DIFFERENT_EVENT")]
    [InlineData("trac-nta-dismissals", "wrongful-deportations-reported-to-dhs", "DIFFERENT_EVENT")]
    [InlineData("trac-nta-dismissals-cumulative", "wrongful-deportations-reported-to-dhs", "DIFFERENT_EVENT")]
    [InlineData("frtf-children-reunified", "wrongful-deportations-reported-to-dhs", "DIFFERENT_EVENT")]
    [InlineData("trac-nta-dismissals", "ice-opla-pd-dismissals", "DIFFERENT_EVENT")]
    [InlineData("ice-national-docket-convicted", "ice-national-docket-pending-charges", "DIFFERENT_POPULATION")]
    public void NotInterchangeableMetrics_AreRelatedWithAReason(string a, string b, string caveat)
    {
        var relation = Assert.Single(C.RelationsOf(a), r => r.Type == RelationType.NotInterchangeableWith && r.Involves(b));

        Assert.Equal(caveat, relation.Caveat);
        Assert.True(relation.Reason.Length > 20, relation.Reason);
    }

    [Fact]
    public void FiscalAndCalendarYears_AreDistinguished()
    {
        Assert.Equal(PeriodBasis.UsFederalFiscalYear, C.GetMetric("ice-removals").Period.Basis);
        Assert.Equal(PeriodBasis.AsOfDate, C.GetMetric("ice-national-docket-convicted").Period.Basis);
        Assert.Equal(StatisticType.Stock, C.GetMetric("ice-national-docket-convicted").Statistic.Type);
        Assert.Equal(StatisticType.Flow, C.GetMetric("ice-releases-convicted").Statistic.Type);
        Assert.Equal(Criminality.CriminalHistory, C.GetMetric("ice-removals-criminal-history").Population.Criminality);
        Assert.Equal(Agency.Dhs, C.GetMetric("dhs-removals").Population.Agency);

        var fy2024 = Only("ice-removals", "FY2024").Period;
        Assert.Equal(new DateOnly(2023, 10, 1), fy2024.Start);
        Assert.Equal(new DateOnly(2024, 9, 30), fy2024.End);
    }

    [Fact]
    public void Glossary_MapsEverydayWordsToTheVocabulary()
    {
        GlossaryEntry Term(string phrase) => Assert.Single(C.Glossary, g => g.Phrases.Contains(phrase, StringComparer.OrdinalIgnoreCase));

        Assert.Equal("removal", Term("deported").Value);
        Assert.Contains("return", Term("deportations").Also);
        Assert.Equal("release", Term("let go").Value);
        Assert.Equal("criminal_history", Term("criminal record").Value);
        Assert.Equal("convicted", Term("convicted criminals").Value);
        Assert.Equal("us_federal_fiscal_year", Term("FY{yy}").Value);
        Assert.Equal("us_federal_fiscal_year", Term("fiscal {yyyy}").Value);
        Assert.Equal("calendar_year", Term("in {yyyy}").Value);
    }

    [Fact]
    public void EveryCitation_PointsAtAStoredSnapshot()
    {
        var unverifiable = C.Figures
            .SelectMany(f => f.Citations.Select(c => (Figure: f.Id, c.Source)))
            .Where(x => C.FindSource(x.Source)?.Seed is null)
            .ToList();

        Assert.Empty(unverifiable);
    }

    [Fact]
    public void EveryMetric_HasAnAliasAndAPlainDescription()
    {
        Assert.All(C.Metrics, m =>
        {
            Assert.NotEmpty(m.Aliases);
            Assert.True(m.Description.Length >= 80, $"{m.Id}: description too thin");
        });
    }
}
