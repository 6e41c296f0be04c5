using Tally.Query.Tests.Support;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Tests.Composition;

/// <summary>The seed questions of issue 3, in many phrasings, composed over the bundled catalog.</summary>
public sealed class SeedQuestionTests
{
    [Theory]
    [InlineData("How many people did ICE remove in fiscal year 2024?")]
    [InlineData("How many people did ICE deport in fiscal year 2024?")]
    [InlineData("How many people did ICE deport in 2024?")]
    [InlineData("How many removals did ICE carry out in FY2024?")]
    [InlineData("How many people were deported by ICE in fiscal 2024?")]
    [InlineData("ICE deportations in FY24")]
    [InlineData("How many ICE removals were there in FY 2024?")]
    [InlineData("How many noncitizens did Immigration and Customs Enforcement remove during fiscal year 2024?")]
    [InlineData("how many people did ice deport in 2024")]
    public void IceRemovalsFiscal2024_AnyPhrasing_Answered271484WithRecomputedCriminalHistoryShare(string question)
    {
        var answer = Compose.Ask(question);

        Assert.True(answer.Status == AnswerStatus.Answered, answer.Describe());
        var main = answer.MainFigure();
        Assert.Equal("ice-removals", main.MetricId);
        Assert.Equal(271484, main.Value);
        Assert.Equal(2024, main.Period.FiscalYear);
        Assert.Contains("271,484", answer.Headline, StringComparison.Ordinal);
        Assert.Contains("fiscal year 2024 (October 1, 2023–September 30, 2024)", answer.Headline, StringComparison.Ordinal);
        Assert.Contains("[1]", answer.Headline, StringComparison.Ordinal);

        var component = Assert.Single(answer.Figures, f => f.Role == FigureRole.Component);
        Assert.Equal(("ice-removals-criminal-history", 88763d), (component.MetricId, component.Value));
        var share = Assert.Single(answer.Calculations, c => c.Expression == "88763 / 271484");
        Assert.Equal("32.7%", share.ResultText);
        Assert.Equal(88763d / 271484d, share.Result, 12);
        Assert.True(share.MatchesPublished);
        Assert.Equal(0.327, share.PublishedValue, 6);

        var reference = answer.Citations.Single(r => r.Number == main.Citations[0]);
        Assert.Equal("ICE Annual Report, Fiscal Year 2024", reference.Title);
        Assert.Contains("271,484", reference.Fragment, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("How many people did ICE deport in 2024?")]
    [InlineData("How many people did ICE remove during 2024?")]
    public void PlainYear_OnlyFiscalYearPublished_AnsweredWithPeriodBasisCaveat(string question)
    {
        var answer = Compose.Ask(question);

        Assert.Equal(AnswerStatus.Answered, answer.Status);
        var caveat = Assert.Single(answer.Caveats, c => c.Code == Code.PeriodBasis && c.Text.Contains("read as fiscal year 2024", StringComparison.Ordinal));
        Assert.Contains("October 1, 2023–September 30, 2024", caveat.Text, StringComparison.Ordinal);
        Assert.Equal(Code.PeriodBasis, answer.Caveats[0].Code);
    }

    [Theory]
    [InlineData("How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?")]
    [InlineData("How many wrongful deportation cases were reported to DHS in 2024?")]
    [InlineData("How many wrongful deportations were reported to DHS in fiscal year 2024?")]
    [InlineData("How many people were wrongly deported in 2024?")]
    [InlineData("How many erroneous removals did DHS record in 2024?")]
    [InlineData("How many wrongful deportation cases were reported to the Department of Homeland Security in 2023 for comparison?")]
    public void WrongfulDeportations_AnyPhrasing_NotPublishedWithRelatedFiguresAndWhatWouldSettleIt(string question)
    {
        var answer = Compose.Ask(question);

        Assert.True(answer.Status == AnswerStatus.NotPublished, answer.Describe());
        Assert.Empty(answer.Figures);
        Assert.StartsWith("No public source in Tally's catalog publishes a count of wrongful deportation cases reported to DHS", answer.Headline, StringComparison.Ordinal);
        Assert.DoesNotContain("68,869", answer.Headline, StringComparison.Ordinal);

        var gap = Assert.Single(answer.DataGaps);
        Assert.Equal("wrongful-deportations-reported-to-dhs", gap.MetricId);
        Assert.Contains("Freedom of Information Act", gap.WhatWouldSettle, StringComparison.Ordinal);
        Assert.Contains("not a standard DHS reporting category", gap.WhyUnpublished, StringComparison.Ordinal);

        var trac = Assert.Single(answer.Related, r => r.MetricId == "trac-nta-dismissals");
        Assert.Equal(68869, trac.Value);
        Assert.Contains(Code.DifferentEvent, trac.Differences);
        Assert.Contains("nobody was deported", trac.Reason, StringComparison.Ordinal);
        Assert.Contains(answer.Related, r => r.MetricId == "frtf-children-reunified" && r.Value == 795);
        Assert.Contains(answer.Related, r => r.MetricId == "trac-nta-dismissals-cumulative" && r.ValueText == "nearly 200,000");
        Assert.All(answer.Related, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason)));
        Assert.Equal("trac-nta-dismissals", answer.Related[0].MetricId);
    }

    [Theory]
    [InlineData("How many deportable immigrants with criminal convictions does ICE release each year?")]
    [InlineData("How many deportable immigrants with criminal convictions are released by ICE annually in recent years?")]
    [InlineData("How many convicted criminals does ICE release annually?")]
    [InlineData("How many criminal aliens were released by ICE each year?")]
    [InlineData("How many immigrants with criminal records did ICE release in fiscal year 2024?")]
    [InlineData("How many convicted immigrants were let go by ICE per year?")]
    public void ReleasesOfConvicted_AnyPhrasing_NeverAnsweredWithTheDocketOrRemovals(string question)
    {
        var answer = Compose.Ask(question);

        Assert.True(answer.Status is AnswerStatus.NotPublished or AnswerStatus.Partial, answer.Describe());
        Assert.DoesNotContain(answer.Figures, f => f.Role == FigureRole.Main && f.Value is 435719 or 88763 or 271484 or 662566);
        var docket = Assert.Single(answer.Related, r => r.MetricId == "ice-national-docket-convicted");
        Assert.Equal(435719, docket.Value);
        Assert.Equal("2024-07-21", docket.Period.EndDate);
        Assert.Contains(Code.StockNotFlow, docket.Differences);
        Assert.Contains(answer.Related, r => r.MetricId.StartsWith("ice-removals", StringComparison.Ordinal) && r.Differences.Contains(Code.DifferentEvent));
        Assert.Contains(answer.Caveats, c => c.Code == Code.StockNotFlow && c.Text.Contains("435,719", StringComparison.Ordinal));
        Assert.Equal("ice-releases-convicted", Assert.Single(answer.DataGaps).MetricId);
    }

    [Fact]
    public void ReleasesSeedQuestion_Headline_NamesTheQuotedNumbersAsDifferentThings()
    {
        var answer = Compose.Ask("How many deportable immigrants with criminal convictions are released by ICE annually in recent years?");

        Assert.StartsWith("No public source in Tally's catalog publishes an annual count of ICE releases of noncitizens with criminal convictions", answer.Headline, StringComparison.Ordinal);
        Assert.Contains("435,719 convicted noncitizens on ICE's national docket as of July 21, 2024 [1]", answer.Headline, StringComparison.Ordinal);
        Assert.Contains("88,763 ICE removals of noncitizens with criminal histories in FY2024 [2]", answer.Headline, StringComparison.Ordinal);
        Assert.EndsWith("measure different things.", answer.Headline, StringComparison.Ordinal);
        Assert.Contains(answer.Calculations, c => c.Expression == "88763 / 271484" && c.ResultText == "32.7%" && c.MatchesPublished);
        Assert.Contains(answer.Calculations, c => c.Expression == "435719 + 226847" && c.Result == 662566 && c.MatchesPublished);
    }

    [Fact]
    public void ReleasesQuestion_ResolverRanksDocketAboveGap_StillNotPublished()
    {
        var fx = CatalogProto.Instance;
        var answer = Compose.With("How many convicted criminals does ICE release each year?",
            fx.Candidate("ice-national-docket-convicted", 0.9), fx.Candidate("ice-removals-criminal-history", 0.7), fx.Candidate("ice-releases-convicted", 0.5));

        Assert.Equal(AnswerStatus.NotPublished, answer.Status);
        Assert.Equal(["ice-releases-convicted"], answer.DataGaps.Select(g => g.MetricId));
        Assert.Contains(answer.Related, r => r.MetricId == "ice-national-docket-convicted" && r.Differences.Contains(Code.StockNotFlow));
    }

    [Fact]
    public void ReleasesQuestion_NoGapAmongCandidates_NotPublishedAndDocketOnlyRelated()
    {
        var fx = CatalogProto.Instance;
        var answer = Compose.With("How many convicted criminals does ICE release each year?", fx.Candidate("ice-national-docket-convicted", 0.9));

        Assert.Equal(AnswerStatus.NotPublished, answer.Status);
        Assert.Empty(answer.Figures);
        Assert.Contains("the nearest metric, convicted noncitizens on ICE's national docket", answer.Headline, StringComparison.Ordinal);
        var related = answer.Related.First();
        Assert.Equal(("ice-national-docket-convicted", 435719d), (related.MetricId, related.Value));
        Assert.Contains(Code.StockNotFlow, related.Differences);
        Assert.Equal("ice-national-docket-convicted", Assert.Single(answer.DataGaps).MetricId);
    }

    [Theory]
    [InlineData("What is the process for reporting wrongful deportation to the Department of Homeland Security?", AnswerStatus.OutOfScope)]
    [InlineData("What are the consequences for individuals wrongfully deported from the US in 2024?", AnswerStatus.OutOfScope)]
    [InlineData("What criteria determine whether ICE releases an immigrant with a criminal conviction?", AnswerStatus.OutOfScope)]
    [InlineData("What oversight, appeals, or legal remedies exist for states or victims when ICE releases convicted immigrants?", AnswerStatus.OutOfScope)]
    [InlineData("How do ICE release rates for convicted immigrants vary by offense type (violent, drug, DUI, immigration)?", AnswerStatus.NotPublished)]
    [InlineData("How do ICE release statistics compare to CBP or state corrections releases of noncitizens?", AnswerStatus.NotPublished)]
    [InlineData("How many detainees in ICE custody had criminal convictions each year from 2018–2024?", AnswerStatus.NotPublished)]
    public void DiveDeeperQuestions_FromTheSeeds_GetTheRightStatus(string question, AnswerStatus expected)
    {
        var answer = Compose.Ask(question);

        Assert.True(answer.Status == expected, answer.Describe());
        Assert.False(string.IsNullOrWhiteSpace(answer.Headline));
        if (expected == AnswerStatus.NotPublished)
        {
            Assert.NotEmpty(answer.DataGaps);
            Assert.Empty(answer.Figures);
        }
    }
}
