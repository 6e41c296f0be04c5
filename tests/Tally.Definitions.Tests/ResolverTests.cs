using Tally.Common.V1;
using Tally.Definitions.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Definitions.Tests;

/// <summary>The resolver on the bundled catalog: the seed questions, their paraphrases and the seeds' follow-up questions.</summary>
public sealed class ResolverTests
{
    public static TheoryData<string> IceRemovalQuestions() => new(
        "How many people did ICE remove in fiscal year 2024?",
        "How many people did ICE deport in FY2024?",
        "How many people did ICE deport in fiscal 2024?",
        "How many ICE removals were there in FY24?",
        "Number of ICE deportations in fiscal year 2024",
        "How many noncitizens did Immigration and Customs Enforcement remove during fiscal year 2024?",
        "How many people were deported by ICE in FY 2024?",
        "How many immigrants were removed by ICE in fiscal year 2024?");

    [Theory]
    [MemberData(nameof(IceRemovalQuestions))]
    public void IceRemovalsInAFiscalYear_RanksIceRemovalsFirstWithoutConflicts(string question)
    {
        var (_, candidates) = TestRegistry.Resolve(question);

        Assert.Equal("ice-removals", candidates[0].MetricId);
        Assert.Empty(candidates[0].Conflicts);
        Assert.Contains(candidates, c => c.MetricId == "dhs-removals" && HasConflict(c, Code.ScopeWider));
        Assert.Contains(candidates, c => c.MetricId == "ice-removals-criminal-history" && HasConflict(c, Code.DifferentPopulation));
    }

    [Theory]
    [InlineData("How many people did ICE deport in 2024?")]
    [InlineData("how many people did ice deport in 2024")]
    [InlineData("How many people did ICE remove during 2024?")]
    [InlineData("How many people were removed from the United States by ICE in calendar year 2024?")]
    public void IceRemovalsInACalendarYear_RanksIceRemovalsFirstAndFlagsThePeriodBasis(string question)
    {
        var (parsed, candidates) = TestRegistry.Resolve(question);

        Assert.Equal("ice-removals", candidates[0].MetricId);
        var conflict = Assert.Single(candidates[0].Conflicts, c => c.Code == Code.PeriodBasis);
        Assert.Contains("fiscal", conflict.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(PeriodKind.CalendarYear, parsed.Period.Kind);
        Assert.Equal(2024, parsed.Period.CalendarYear);
    }

    [Fact]
    public void InPlainYear_OffersTheFiscalYearAsAnotherReading()
    {
        var (parsed, _) = TestRegistry.Resolve("How many people did ICE deport in 2024?");

        var alternative = Assert.Single(parsed.AlternativePeriods);
        Assert.Equal((PeriodKind.FiscalYear, 2024, "2023-10-01", "2024-09-30"),
            (alternative.Kind, alternative.FiscalYear, alternative.StartDate, alternative.EndDate));
        Assert.Equal(StatisticType.Flow, parsed.StatisticHint);
        Assert.Equal("ICE", parsed.Agency);
        Assert.Contains(parsed.Terms, t => t.Word == "deport" && t.Concept == "removal" && t.AlternativeConcepts.Contains("return"));
    }

    [Theory]
    [InlineData("How many people did DHS deport in fiscal year 2024?")]
    [InlineData("How many removals did the Department of Homeland Security carry out in FY2024?")]
    public void DhsRemovals_RanksDhsFirstAndIceAsNarrower(string question)
    {
        var (_, candidates) = TestRegistry.Resolve(question);

        Assert.Equal("dhs-removals", candidates[0].MetricId);
        Assert.Contains(candidates, c => c.MetricId == "ice-removals" && HasConflict(c, Code.ScopeNarrower));
    }

    public static TheoryData<string> WrongfulDeportationQuestions() => new(
        "How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?",
        "How many wrongful deportation cases were reported to DHS in 2024?",
        "How many wrongful deportations were reported to Homeland Security in calendar year 2024?",
        "How many people were wrongfully deported in 2024?",
        "How many people were wrongly removed from the US in 2024?",
        "How many US citizens were deported by mistake in 2024?",
        "Number of erroneous removals reported to DHS in 2024",
        "How many mistaken deportations were reported to DHS in fiscal year 2024?");

    [Theory]
    [MemberData(nameof(WrongfulDeportationQuestions))]
    public void WrongfulDeportations_RanksTheGapFirstAndRelatedCountsBelow(string question)
    {
        var (_, candidates) = TestRegistry.Resolve(question);

        var top = candidates[0];
        Assert.Equal("wrongful-deportations-reported-to-dhs", top.MetricId);
        Assert.True(top.IsGap);
        Assert.Contains(top.Reasons, r => r.StartsWith("gap:", StringComparison.Ordinal));
        var trac = Assert.Single(candidates, c => c.MetricId == "trac-nta-dismissals");
        Assert.True(trac.Score < top.Score);
        Assert.True(HasConflict(trac, Code.DifferentEvent));
        Assert.DoesNotContain(candidates, c => c.MetricId is "ice-removals" or "dhs-removals");
    }

    [Fact]
    public void WrongfulDeportationSeedQuestion_ListsTheRelatedMetricsTheFactCheckNames()
    {
        var (_, candidates) = TestRegistry.Resolve(
            "How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?");

        Assert.Empty(candidates[0].Conflicts);
        string[] related = ["trac-nta-dismissals", "trac-nta-dismissals-cumulative", "frtf-children-reunified", "ice-removals-separated-parents-undocumented"];
        foreach (var id in related)
        {
            var candidate = Assert.Single(candidates, c => c.MetricId == id);
            Assert.Equal("wrongful-deportations-reported-to-dhs", candidate.RelatedTo);
            Assert.Contains(candidate.Reasons, r => r.StartsWith("related:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void WrongfulDeportationsInAFiscalYear_FlagsThatTheGapIsDefinedForCalendarYears()
    {
        var (_, candidates) = TestRegistry.Resolve("How many mistaken deportations were reported to DHS in fiscal year 2024?");

        Assert.True(HasConflict(candidates[0], Code.PeriodBasis));
    }

    public static TheoryData<string> ReleasesQuestions() => new(
        "How many deportable immigrants with criminal convictions are released by ICE annually?",
        "How many deportable immigrants with criminal convictions are released by ICE annually in recent years?",
        "How many convicted criminals does ICE release every year?",
        "How many immigrants with criminal convictions does ICE release each year?",
        "How many criminal aliens were released by ICE per year?",
        "How many convicted immigrants did ICE let go in fiscal year 2024?");

    [Theory]
    [MemberData(nameof(ReleasesQuestions))]
    public void ConvictedReleases_RanksTheGapFirstAndTheDocketStockLowerWithItsMismatch(string question)
    {
        var (_, candidates) = TestRegistry.Resolve(question);

        var top = candidates[0];
        Assert.Equal("ice-releases-convicted", top.MetricId);
        // Computed from ICE's book-outs table (a gap until it is ingested): ranked like the gap it was.
        Assert.False(top.IsGap);
        Assert.Contains(top.Reasons, r => r.StartsWith("computed: values are computed from dataset 'ice-detention-stats'", StringComparison.Ordinal));
        Assert.Empty(top.Conflicts);
        var docket = Assert.Single(candidates, c => c.MetricId == "ice-national-docket-convicted");
        Assert.True(HasConflict(docket, Code.StockNotFlow));
        Assert.Contains(docket.Reasons, r => r.Contains("stock", StringComparison.Ordinal) && r.Contains("mismatch", StringComparison.Ordinal));
        var removals = Assert.Single(candidates, c => c.MetricId == "ice-removals-criminal-history");
        Assert.True(HasConflict(removals, Code.DifferentEvent));
        Assert.True(removals.Score < docket.Score);
    }

    [Fact]
    public void ConvictedReleasesSeedQuestion_ExplainsTheTopCandidate()
    {
        var (parsed, candidates) = TestRegistry.Resolve("How many deportable immigrants with criminal convictions are released by ICE annually?");

        Assert.Equal(StatisticType.Flow, parsed.StatisticHint);
        Assert.Equal("annually", parsed.PeriodText);
        Assert.Null(parsed.Period);
        Assert.Contains("released", parsed.EventWords);
        Assert.Contains("criminal convictions", parsed.PopulationWords);
        var reasons = candidates[0].Reasons;
        Assert.Contains(reasons, r => r.StartsWith("criminality: convicted", StringComparison.Ordinal) && r.EndsWith("matches", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("event: 'released' → release matches", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("alias '", StringComparison.Ordinal) && r.Contains("' matches (", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("the question matches this gap's question (1.00)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("How many immigrants with criminal records does ICE release each year?", "criminal records")]
    [InlineData("How many immigrants with a criminal history are released by ICE annually?", "criminal history")]
    public void CriminalRecordReleases_KeepsTheGapFirstButSaysConvictedIsTheOtherReading(string question, string words)
    {
        var (_, candidates) = TestRegistry.Resolve(question);

        Assert.Equal("ice-releases-convicted", candidates[0].MetricId);
        var conflict = Assert.Single(candidates[0].Conflicts, c => c.Code == Code.DifferentPopulation);
        Assert.Contains(words, conflict.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("How many people with criminal records did ICE deport in FY2024?")]
    [InlineData("How many people with a criminal history did ICE remove in fiscal 2024?")]
    [InlineData("How many noncitizens with criminal histories were removed by ICE in fiscal year 2024?")]
    public void CriminalHistoryRemovals_RanksTheCriminalHistoryComponentFirst(string question)
    {
        var (_, candidates) = TestRegistry.Resolve(question);

        Assert.Equal("ice-removals-criminal-history", candidates[0].MetricId);
        Assert.Empty(candidates[0].Conflicts);
        Assert.Contains(candidates, c => c.MetricId == "ice-removals" && HasConflict(c, Code.DifferentPopulation));
    }

    [Theory]
    [InlineData("How many immigrants with criminal convictions are on ICE's docket?")]
    [InlineData("How many convicted noncitizens are on ICE's national docket?")]
    [InlineData("How many convicted criminals were on ICE's docket as of July 21, 2024?")]
    [InlineData("How many immigrants with criminal convictions are on ICE's national docket?")]
    public void ConvictedOnTheDocket_RanksTheNationalDocketConvictedStockFirst(string question)
    {
        var (parsed, candidates) = TestRegistry.Resolve(question);

        Assert.Equal("ice-national-docket-convicted", candidates[0].MetricId);
        Assert.Empty(candidates[0].Conflicts);
        Assert.Equal(StatisticType.Stock, parsed.StatisticHint);
        Assert.Contains(candidates, c => c.MetricId == "ice-national-docket-criminal-history" && HasConflict(c, Code.DifferentPopulation));
        Assert.Contains(candidates, c => c.MetricId == "ice-non-detained-docket-convicted" && HasConflict(c, Code.ScopeNarrower));
    }

    [Fact]
    public void AsOfDate_IsReadAsAStockOnThatDay()
    {
        var (parsed, _) = TestRegistry.Resolve("How many convicted criminals were on ICE's docket as of July 21, 2024?");

        Assert.Equal((PeriodKind.AsOfDate, "2024-07-21", "2024-07-21"), (parsed.Period.Kind, parsed.Period.StartDate, parsed.Period.EndDate));
        Assert.Equal(StatisticType.Stock, parsed.StatisticHint);
    }

    [Fact]
    public void ShareQuestion_RanksTheShareFirstAndFlagsCounts()
    {
        var (_, candidates) = TestRegistry.Resolve("What share of ICE removals had criminal histories in FY2024?");

        Assert.Equal("ice-removals-criminal-history-share", candidates[0].MetricId);
        Assert.Contains(candidates, c => c.MetricId == "ice-removals-criminal-history" && HasConflict(c, Code.DifferentStatistic));
    }

    [Theory]
    [InlineData("What is the process for reporting wrongful deportation to the Department of Homeland Security?", "wrongful-deportations-reported-to-dhs", false)]
    [InlineData("How many wrongful deportation cases were reported to the Department of Homeland Security in 2023 for comparison?", "wrongful-deportations-reported-to-dhs", true)]
    [InlineData("What are the consequences for individuals wrongfully deported from the US in 2024?", "wrongful-deportations-reported-to-dhs", false)]
    [InlineData("What criteria determine whether ICE releases an immigrant with a criminal conviction?", "ice-releases-convicted", false)]
    [InlineData("How do ICE release rates for convicted immigrants vary by offense type (violent, drug, DUI, immigration)?", "ice-releases-convicted", false)]
    [InlineData("What oversight, appeals, or legal remedies exist for states or victims when ICE releases convicted immigrants?", "ice-releases-convicted", false)]
    [InlineData("How do ICE release statistics compare to CBP or state corrections releases of noncitizens?", "ice-releases-convicted", false)]
    public void SeedFollowUpQuestions_RankTheGapTheyAreAbout(string question, string expected, bool asksForNumber)
    {
        var (parsed, candidates) = TestRegistry.Resolve(question);

        Assert.Equal(expected, candidates[0].MetricId);
        // wrongful deportations are a gap; ice-releases-convicted is computed, and a gap only until its dataset is ingested
        Assert.True(candidates[0].IsGap || candidates[0].Reasons.Any(r => r.StartsWith("computed:", StringComparison.Ordinal)));
        Assert.Equal(asksForNumber, parsed.Kind == "how_many");
        if (!asksForNumber)
        {
            Assert.Contains(candidates[0].Reasons, r => r.StartsWith("note: the question does not ask for a number", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void DetaineesWithConvictionsEachYear_OffersNoCandidateWithoutConflicts()
    {
        var (parsed, candidates) = TestRegistry.Resolve("How many detainees in ICE custody had criminal convictions each year from 2018–2024?");

        Assert.NotEmpty(candidates);
        Assert.All(candidates, c => Assert.NotEmpty(c.Conflicts));
        Assert.Equal("ice-book-ins-violent-conviction-share", candidates[0].MetricId);
        Assert.Contains(parsed.Terms, t => t.Word == "detainees" && t.Concept == "book_in");
    }

    [Theory]
    [InlineData("What is the population of France?")]
    [InlineData("What is the capital of Spain?")]
    [InlineData("How tall is Mount Everest?")]
    [InlineData("Who won the 2024 World Series?")]
    public void OutOfScopeQuestions_HaveNoCandidates(string question)
    {
        var (_, candidates) = TestRegistry.Resolve(question);

        Assert.Empty(candidates);
    }

    [Fact]
    public void SameQuestionTwice_ResolvesIdentically()
    {
        const string question = "How many deportable immigrants with criminal convictions are released by ICE annually?";
        var first = TestRegistry.Resolve(question);
        var second = TestRegistry.Resolve(question);

        Assert.Equal(first.Parsed, second.Parsed);
        Assert.Equal(first.Candidates, second.Candidates);
    }

    [Fact]
    public void Candidates_AreOrderedByScoreAndLimited()
    {
        var (_, candidates) = TestRegistry.Resolve("How many people did ICE remove in fiscal year 2024?", max: 3);

        Assert.Equal(3, candidates.Count);
        Assert.True(candidates.Zip(candidates.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        Assert.All(candidates, c => Assert.InRange(c.Score, 0, 1));
        Assert.All(candidates, c => Assert.True(TestRegistry.Snapshot.ById.ContainsKey(c.MetricId)));
    }

    private static bool HasConflict(Candidate candidate, Code code) => candidate.Conflicts.Any(c => c.Code == code);
}
