using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Query.Composition;
using Tally.Query.Tests.Support;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Tests.Composition;

/// <summary>The status, caveat, arithmetic and citation rules, each on the smallest input that exercises it.</summary>
public sealed class ComposerRuleTests
{
    private static readonly CatalogProto Fx = CatalogProto.Instance;

    [Fact]
    public void NoCandidates_OutOfScopeWithoutFigures()
    {
        var answer = Compose.With("How many tulips bloomed in Amsterdam in 2024?");

        Assert.Equal(AnswerStatus.OutOfScope, answer.Status);
        Assert.Empty(answer.Figures);
        Assert.Empty(answer.Related);
        Assert.StartsWith("Nothing in Tally's catalog relates", answer.Headline, StringComparison.Ordinal);
    }

    [Fact]
    public void BothFiscalAndCalendarYearPublished_PlainYear_NeedsClarificationOfferingBoth()
    {
        var figures = Fx.FiguresWith(Fx.Figure("ice-removals", "CY2024", 250000, "250,000"));

        var answer = Compose.Ask("How many people did ICE deport in 2024?", figures);

        Assert.Equal(AnswerStatus.NeedsClarification, answer.Status);
        Assert.Equal([250000d, 271484d], answer.Figures.Where(f => f.Role == FigureRole.Main).Select(f => f.Value).Order());
        Assert.Contains("can mean fiscal year 2024", answer.Headline, StringComparison.Ordinal);
        Assert.Contains("How many people did ICE deport in fiscal year 2024?", answer.FollowUps);
        Assert.Contains("How many people did ICE deport in calendar year 2024?", answer.FollowUps);
        Assert.True(answer.HasCaveat(Code.PeriodBasis));
    }

    [Fact]
    public void BothYearsPublished_ExplicitFiscalYear_AnsweredWithoutClarification()
    {
        var figures = Fx.FiguresWith(Fx.Figure("ice-removals", "CY2024", 250000, "250,000"));

        var answer = Compose.Ask("How many people did ICE deport in fiscal year 2024?", figures);

        Assert.Equal(AnswerStatus.Answered, answer.Status);
        Assert.Equal(271484, answer.MainFigure().Value);
    }

    [Fact]
    public void ExplicitCalendarYear_OnlyFiscalPublished_PartialWithPeriodBasis()
    {
        var answer = Compose.Ask("How many people did ICE remove in calendar year 2024?");

        Assert.Equal(AnswerStatus.Partial, answer.Status);
        Assert.Equal(271484, answer.MainFigure().Value);
        var caveat = answer.Caveats[0];
        Assert.Equal(Code.PeriodBasis, caveat.Code);
        Assert.Contains("calendar year 2024", caveat.Text, StringComparison.Ordinal);
        Assert.Contains("covers fiscal year 2024, not calendar 2024", answer.Headline, StringComparison.Ordinal);
    }

    [Fact]
    public void CriminalRecordsOnDocket_BothReadingsPublished_NeedsClarification()
    {
        var answer = Compose.Ask("How many immigrants with criminal records are on ICE's docket?");

        Assert.True(answer.Status == AnswerStatus.NeedsClarification, answer.Describe());
        Assert.Equal([435719d, 662566d], answer.Figures.Select(f => f.Value).Order());
        Assert.True(answer.HasCaveat(Code.DifferentPopulation));
        Assert.Contains(answer.FollowUps, f => f.Contains("criminal convictions", StringComparison.Ordinal));
    }

    [Fact]
    public void ClarifiedByChosenMetric_AnsweredWithThatMetric()
    {
        var answer = Compose.Ask("How many immigrants with criminal records are on ICE's docket?", chosen: "ice-national-docket-convicted");

        Assert.Equal(AnswerStatus.Answered, answer.Status);
        Assert.Equal(435719, answer.MainFigure().Value);
        Assert.Contains("as of July 21, 2024", answer.Headline, StringComparison.Ordinal);
        Assert.Equal(["ice-national-docket-convicted"], answer.Resolution.ChosenMetricIds);
    }

    [Fact]
    public void DocketTotal_ComponentsRecomputedAndComparedWithPublishedTotal()
    {
        var answer = Compose.Ask("How many noncitizens with criminal histories were on ICE's national docket as of July 21, 2024?");

        Assert.True(answer.Status == AnswerStatus.Answered, answer.Describe());
        Assert.Equal(662566, answer.MainFigure().Value);
        Assert.Equal([226847d, 435719d], answer.Figures.Where(f => f.Role == FigureRole.Component).Select(f => f.Value).Order());
        var sum = Assert.Single(answer.Calculations);
        Assert.Equal(("435719 + 226847", 662566d, true), (sum.Expression, sum.Result, sum.MatchesPublished));
        Assert.Contains("numbered 662,566 as of July 21, 2024 [1]", answer.Headline, StringComparison.Ordinal);
    }

    [Fact]
    public void PublishedShareDisagreesWithRecomputation_MismatchReported()
    {
        var figures = new Dictionary<string, IReadOnlyList<Figure>>(Fx.Figures)
        {
            ["ice-removals-criminal-history-share"] = [Fx.Figure("ice-removals-criminal-history-share", "FY2024", 35, "35%", unit: "percent")],
        };

        var answer = Compose.Ask("How many people did ICE remove in fiscal year 2024?", figures);

        var share = Assert.Single(answer.Calculations, c => c.Expression == "88763 / 271484");
        Assert.False(share.MatchesPublished);
        Assert.Equal(0.35, share.PublishedValue, 6);
        Assert.Contains(answer.Caveats, c => c.Code == Code.Revised && c.Text.Contains("32.7%", StringComparison.Ordinal) && c.Text.Contains("35%", StringComparison.Ordinal));
    }

    [Fact]
    public void NoFigureForYearAsked_PartialWithNearestYearAndDifferentPeriod()
    {
        var answer = Compose.Ask("How many people did ICE remove in fiscal year 2025?");

        Assert.Equal(AnswerStatus.Partial, answer.Status);
        Assert.Equal(2024, answer.MainFigure().Period.FiscalYear);
        Assert.Equal(Code.DifferentPeriod, answer.Caveats[0].Code);
        Assert.Contains("is for FY2024, not FY2025", answer.Headline, StringComparison.Ordinal);
    }

    [Fact]
    public void AgencyWiderThanMetric_PartialWithScopeNarrower()
    {
        var answer = Compose.Ask("How many people did DHS deport in FY2024?");

        Assert.Equal(AnswerStatus.Partial, answer.Status);
        Assert.Equal("ice-removals", answer.MainFigure().MetricId);
        Assert.Equal(Code.ScopeNarrower, answer.Caveats[0].Code);
        Assert.Contains("covers ICE only, not all of DHS", answer.Headline, StringComparison.Ordinal);
    }

    [Fact]
    public void HedgedSourceNumber_ApproximateCaveatAndQualifierInHeadline()
    {
        var answer = Compose.Ask("How many removal orders did immigration judges issue in FY2024?");

        Assert.True(answer.Status == AnswerStatus.Answered, answer.Describe());
        Assert.Contains("nearly 287,000", answer.Headline, StringComparison.Ordinal);
        Assert.Equal(Qualifier.Nearly, answer.MainFigure().Qualifier);
        Assert.True(answer.HasCaveat(Code.Approximate));
    }

    [Fact]
    public void YearToDateFigureOnly_PartialWithYearToDateCaveat()
    {
        var answer = Compose.Ask("What was the NTA dismissal rate in fiscal year 2024?");

        Assert.True(answer.Status == AnswerStatus.Partial, answer.Describe());
        Assert.True(answer.HasCaveat(Code.YearToDate));
        Assert.Equal("more than 1%", answer.MainFigure().ValueText);
        Assert.Equal(0.01, answer.MainFigure().Value, 6);
    }

    [Fact]
    public void RevisedVintages_PreferFinalLatestAndSayWhichAndComputeChange()
    {
        var figures = Fx.FiguresWith(
            Fx.Figure("ice-removals", "FY2023", 140000, "140,000", status: FigureStatus.Provisional, vintage: "2023-10-02"),
            Fx.Figure("ice-removals", "FY2023", 142580, "142,580", status: FigureStatus.Final, vintage: "2024-01-22"));

        var previous = Compose.Ask("How many people did ICE remove in fiscal year 2023?", figures);
        var current = Compose.Ask("How many people did ICE remove in fiscal year 2024?", figures);

        Assert.Equal((142580d, "2024-01-22"), (previous.MainFigure().Value, previous.MainFigure().Vintage));
        Assert.Contains(previous.Caveats, c => c.Code == Code.Revised && c.Text.Contains("140,000", StringComparison.Ordinal) && c.Text.Contains("vintage 2024-01-22", StringComparison.Ordinal));
        var change = Assert.Single(current.Calculations, c => c.Description.StartsWith("Change in", StringComparison.Ordinal));
        Assert.Equal(("271484 - 142580", 128904d), (change.Expression, change.Result));
        Assert.Contains(current.Figures, f => f.Role == FigureRole.Context && f.Value == 142580);
    }

    [Fact]
    public void UnreviewedFigure_ListedSeparatelyNeverInHeadline()
    {
        var figures = Fx.FiguresWith(Fx.Figure("ice-removals", "FY2024", 275000, "275,000", review: ReviewState.Unreviewed));

        var answer = Compose.Ask("How many people did ICE remove in fiscal year 2024?", figures);

        Assert.Equal(AnswerStatus.Answered, answer.Status);
        Assert.Equal(271484, answer.MainFigure().Value);
        Assert.DoesNotContain("275,000", answer.Headline, StringComparison.Ordinal);
        var unreviewed = Assert.Single(answer.UnreviewedFigures);
        Assert.Equal((275000d, ReviewState.Unreviewed), (unreviewed.Value, unreviewed.ReviewState));
        Assert.Contains(answer.Caveats, c => c.Code == Code.UnreviewedFigure && c.Text.StartsWith("Found in a source, not yet reviewed", StringComparison.Ordinal));
        Assert.DoesNotContain(answer.Figures, f => f.Value == 275000);
    }

    [Fact]
    public void OnlyUnreviewedFigureForMetric_NoNumberInHeadline()
    {
        var figures = Fx.FiguresWith(Fx.Figure("dhs-returns", "FY2024", 90000, "90,000", review: ReviewState.Unspecified));

        const string question = "How many voluntary returns did DHS record in FY2024?";

        var answer = Compose.Finish(Fx.Inputs(question, TestResolver.Resolve(question).Parsed, [Fx.Candidate("dhs-returns", 0.9)], figures));

        Assert.Equal(AnswerStatus.Partial, answer.Status);
        Assert.Empty(answer.Figures);
        Assert.DoesNotContain("90,000", answer.Headline, StringComparison.Ordinal);
        Assert.Equal(90000, Assert.Single(answer.UnreviewedFigures).Value);
    }

    [Fact]
    public void NotPublishedAnswer_CitationsNumberedInOrderOfFirstUse()
    {
        var answer = Compose.Ask("How many deportable immigrants with criminal convictions are released by ICE annually in recent years?");

        Assert.Equal(Enumerable.Range(1, answer.Citations.Count), answer.Citations.Select(c => c.Number));
        var used = answer.Related.SelectMany(r => r.Citations).Concat(answer.Figures.SelectMany(f => f.Citations))
            .Concat(answer.Calculations.Select(c => c.PublishedCitation)).Where(n => n > 0).Distinct().Order();
        Assert.Equal(Enumerable.Range(1, answer.Citations.Count), used);
        Assert.Equal(1, answer.Related.Single(r => r.MetricId == "ice-national-docket-convicted").Citations[0]);
    }

    [Fact]
    public void AttachReferences_CitationServiceMergedTwoPassages_EveryNumberRewritten()
    {
        var composed = AnswerComposer.Compose(Fx.Inputs("How many people did ICE remove in fiscal year 2024?",
            TestResolver.Resolve("How many people did ICE remove in fiscal year 2024?").Parsed, TestResolver.Resolve("How many people did ICE remove in fiscal year 2024?").Candidates));
        var references = Fx.References(composed.Citations).ToList();
        Assert.True(references.Count >= 3);
        // The service merged citation 2 into 1 and numbered the rest from 2.
        var merged = new List<Reference> { references[0].Clone() };
        merged[0].MergedCitationIds.Add(references[1].CitationId);
        merged.AddRange(references.Skip(2).Select((r, i) => { var c = r.Clone(); c.Number = i + 2; return c; }));

        var answer = AnswerComposer.AttachReferences(composed.Answer, composed.Citations, merged);

        Assert.Equal(1, answer.Figures.Single(f => f.Role == FigureRole.Component).Citations.Single());
        Assert.Equal(2, answer.Calculations.Single().PublishedCitation);
        Assert.Contains("[1]", answer.Headline, StringComparison.Ordinal);
        Assert.Equal(merged.Count, answer.Citations.Count);
    }

    [Fact]
    public void UnverifiedReference_CaveatNamesItsNumber()
    {
        var composed = AnswerComposer.Compose(Fx.Inputs("How many people did ICE remove in fiscal year 2024?",
            TestResolver.Resolve("How many people did ICE remove in fiscal year 2024?").Parsed, TestResolver.Resolve("How many people did ICE remove in fiscal year 2024?").Candidates));
        var references = Fx.References(composed.Citations).Select(r => r.Clone()).ToList();
        references[1].Verified = false;

        var answer = AnswerComposer.AttachReferences(composed.Answer, composed.Citations, references);

        Assert.Contains(answer.Caveats, c => c.Code == Code.UnverifiedCitation && c.Text.Contains("[2]", StringComparison.Ordinal) && !c.Text.Contains("[1]", StringComparison.Ordinal));
    }

    [Fact]
    public void GetFigureShape_NoParse_AnsweredWithoutResolution()
    {
        var answer = Compose.Finish(new AnswerInputs
        {
            Question = "ICE removals, FY2024",
            Registry = Fx.Registry,
            Figures = Fx.Figures,
            ChosenMetricId = "ice-removals",
            Period = PeriodText.FiscalYear(2024),
            Today = new DateOnly(2025, 11, 22),
        });

        Assert.Equal(AnswerStatus.Answered, answer.Status);
        Assert.Equal(271484, answer.MainFigure().Value);
        Assert.Null(answer.Resolution);
    }

    [Fact]
    public void GetFigureShape_GapMetric_NotPublishedWithDataGap()
    {
        var answer = Compose.Finish(new AnswerInputs
        {
            Question = "ICE releases of noncitizens with criminal convictions, FY2024",
            Registry = Fx.Registry,
            Figures = Fx.Figures,
            ChosenMetricId = "ice-releases-convicted",
            Period = PeriodText.FiscalYear(2024),
        });

        Assert.Equal(AnswerStatus.NotPublished, answer.Status);
        Assert.Equal("ice-releases-convicted", Assert.Single(answer.DataGaps).MetricId);
    }

    [Fact]
    public void Series_TracDismissals_OldestFirstWithHoleCaveat()
    {
        var metric = Fx.Registry.Find("trac-nta-dismissals")!;

        var series = SeriesComposer.Compose(metric, null, [], Fx.Figures["trac-nta-dismissals"]).Series;

        Assert.Equal([217d, 68869d], series.Points.Select(p => p.Value));
        Assert.Contains(series.Caveats, c => c.Code == Code.DifferentPeriod && c.Text.Contains("FY2015–FY2022", StringComparison.Ordinal));
        Assert.Equal([1, 2], series.Points.SelectMany(p => p.Citations));
    }

    [Fact]
    public void Series_RangeOfOneYear_OnlyThatYear()
    {
        var metric = Fx.Registry.Find("trac-nta-dismissals")!;

        var series = SeriesComposer.Compose(metric, PeriodText.FiscalYear(2023), [], Fx.Figures["trac-nta-dismissals"]).Series;

        Assert.Equal(68869, Assert.Single(series.Points).Value);
    }

    [Fact]
    public void DifferenceFigures_StockAndFlowForOnePeriod_BothValuesInSummary()
    {
        var difference = new Tally.Definitions.V1.ExplainDifferenceResponse
        {
            A = Fx.Registry.Find("ice-national-docket-convicted"),
            B = Fx.Registry.Find("ice-removals-criminal-history"),
            Summary = "A stock on a date versus a flow of removals.",
        };

        var composed = DifferenceFigures.Compose(difference, PeriodText.FiscalYear(2024), Fx.Figures);

        Assert.Equal([435719d, 88763d], composed.Figures.Select(f => f.Value));
        var summary = composed.Summary(difference.Summary);
        Assert.StartsWith("A stock on a date versus a flow of removals. 435,719 convicted noncitizens", summary, StringComparison.Ordinal);
        Assert.Contains("88,763 ICE removals of noncitizens with criminal histories in fiscal year 2024", summary, StringComparison.Ordinal);
    }
}
