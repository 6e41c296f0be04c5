namespace Tally.Analysis.Tests;

public sealed class FigureExtractorTests
{
    private static FigureCandidate One(string text) => Assert.Single(FigureExtractor.Extract(text, TestDates.Today));

    [Theory]
    [InlineData("ICE reported 271,484 removals.", 271484)]
    [InlineData("a total of 68,869 cases", 68869)]
    [InlineData("1.8 million hearings", 1_800_000)]
    [InlineData("1.8M hearings", 1_800_000)]
    [InlineData("200,000 cases", 200_000)]
    [InlineData("5k people", 5_000)]
    [InlineData("2.5 billion dollars spent", 2_500_000_000)]
    [InlineData("217 cases", 217)]
    public void Extract_Counts_ApplyScale(string text, double expected)
    {
        var f = One(text);
        Assert.Equal(expected, f.Value, 3);
        Assert.Equal(FigureKind.Count, f.Kind);
        Assert.Equal(FigureQualifier.Exact, f.Qualifier);
    }

    [Theory]
    [InlineData("32.7% of removals", 32.7)]
    [InlineData("fewer than 2 percent have been closed", 2)]
    [InlineData("a rate of 10 per cent", 10)]
    [InlineData("rose 3 percentage points", 3)]
    [InlineData("a share of 32.7 % overall", 32.7)]
    public void Extract_Percentages_AreKindPercent(string text, double expected)
    {
        var f = One(text);
        Assert.Equal(FigureKind.Percent, f.Kind);
        Assert.Equal(expected, f.Value, 3);
    }

    [Theory]
    [InlineData("$886M\nin currency and assets seized", 886_000_000)]
    [InlineData("even a $5 donation helps", 5)]
    [InlineData("$1.2 billion in contracts", 1_200_000_000)]
    public void Extract_Money_IsKindMoney(string text, double expected)
    {
        var f = One(text);
        Assert.Equal(FigureKind.Money, f.Kind);
        Assert.Equal(expected, f.Value, 3);
    }

    [Theory]
    [InlineData("compiled nearly 200,000 cases", FigureQualifier.Nearly, "nearly 200,000")]
    [InlineData("almost 500 people", FigureQualifier.Nearly, "almost 500")]
    [InlineData("more than 1,000 cases", FigureQualifier.MoreThan, "more than 1,000")]
    [InlineData("More than 50,200 orders of relief", FigureQualifier.MoreThan, "More than 50,200")]
    [InlineData("at least 348 separated parents", FigureQualifier.AtLeast, "at least 348")]
    [InlineData("roughly 400 cases", FigureQualifier.Approximately, "roughly 400")]
    [InlineData("about 400 cases", FigureQualifier.Approximately, "about 400")]
    [InlineData("approximately 400 cases", FigureQualifier.Approximately, "approximately 400")]
    [InlineData("an estimated 11 million people", FigureQualifier.Approximately, "an estimated 11 million")]
    [InlineData("over 400 cases", FigureQualifier.MoreThan, "over 400")]
    [InlineData("declined to just over 1% of cases", FigureQualifier.MoreThan, "just over 1%")]
    [InlineData("fewer than 2% of all pending cases", FigureQualifier.FewerThan, "fewer than 2%")]
    [InlineData("less than 10% of bookings", FigureQualifier.FewerThan, "less than 10%")]
    [InlineData("at most 30 days", FigureQualifier.AtMost, "at most 30")]
    [InlineData("up to 50 beds", FigureQualifier.AtMost, "up to 50")]
    [InlineData("no more than 50 beds", FigureQualifier.AtMost, "no more than 50")]
    [InlineData("no fewer than 50 beds", FigureQualifier.AtLeast, "no fewer than 50")]
    [InlineData("1.8M + removal hearings", FigureQualifier.AtLeast, "1.8M +")]
    [InlineData("1.8M+ removal hearings", FigureQualifier.AtLeast, "1.8M+")]
    [InlineData("500 or more cases", FigureQualifier.AtLeast, "500 or more")]
    [InlineData("500 or fewer cases", FigureQualifier.AtMost, "500 or fewer")]
    public void Extract_Qualifiers_AreRecognisedAndIncludedInSpan(string text, FigureQualifier qualifier, string spanText)
    {
        var f = One(text);
        Assert.Equal(qualifier, f.Qualifier);
        Assert.Equal(spanText, f.Span.Slice(text));
    }

    [Theory]
    [InlineData("reporting 68,869 cases dropped in 2023", "cases dropped")]
    [InlineData("ICE told Congress there were 662,566 noncitizens with criminal histories on its national docket as of July 21, 2024, of whom", "noncitizens with criminal histories on its national docket")]
    [InlineData("ICE reported 435,719 convicted individuals on its national docket as of July 21, 2024", "convicted individuals on its national docket")]
    [InlineData("showing 271,484 ERO removals in FY2024", "ERO removals")]
    [InlineData("1.8M +\nremoval hearings represented on behalf of DHS\n582,860", "removal hearings represented on behalf of DHS")]
    [InlineData("growth from 217 cases in 2014", "cases")]
    [InlineData("such as 795 children reunited and behavioral health services", "children reunited")]
    [InlineData("To date, 4,403 deportation cases have been closed.", "deportation cases")]
    [InlineData("of whom 435,719 were convicted and", "were convicted")]
    public void Extract_UnitPhrase_StopsAtPeriodsClausesAndLineBreaks(string text, string unit)
    {
        var f = FigureExtractor.Extract(text, TestDates.Today)[0];
        Assert.Equal(unit, f.UnitPhrase);
    }

    [Fact]
    public void Extract_ParentheticalAfterNumber_IsSkippedForUnit()
    {
        var all = FigureExtractor.Extract("88,763 (32.7%) of which had criminal histories", TestDates.Today);
        Assert.Equal(2, all.Count);
        Assert.Equal(88763, all[0].Value);
        Assert.Equal("of which had criminal histories", all[0].UnitPhrase);
        Assert.Equal(FigureKind.Percent, all[1].Kind);
    }

    [Theory]
    [InlineData("How many people did ICE deport in 2024?")]
    [InlineData("Checked on October 17, 2025")]
    [InlineData("as of July 21, 2024")]
    [InlineData("the filing rate [1] [2] [12]")]
    [InlineData("1. The big headline: dropped deportation cases")]
    [InlineData("  2) Government oversight reports")]
    [InlineData("see page 12 of the report")]
    [InlineData("see p. 4 and pp. 7")]
    [InlineData("Report Number OIG-21-36")]
    [InlineData("Section 287(g) agreements")]
    [InlineData("the 21st century")]
    [InlineData("at 10:30 today")]
    [InlineData("in FY24 and FY 2025")]
    [InlineData("from 2018 to 2024")]
    [InlineData("in the first 5 months of FY2024")]
    [InlineData("version 3.1.0 released")]
    [InlineData("No. 5 on the list")]
    public void Extract_NonFigures_AreIgnored(string text)
    {
        Assert.Empty(FigureExtractor.Extract(text, TestDates.Today));
    }

    [Fact]
    public void Extract_Figure_CarriesSentenceAndItsPeriods()
    {
        const string text = "Intro sentence in 2020. ICE reported 88,763 criminal-history removals in FY2024 out of 271,484 total removals. " +
                            "Another in 2022.";
        var all = FigureExtractor.Extract(text, TestDates.Today);
        Assert.Equal([88763d, 271484d], all.Select(f => f.Value));
        var f = all[0];
        Assert.Equal("ICE reported 88,763 criminal-history removals in FY2024 out of 271,484 total removals.", f.Sentence);
        Assert.Equal(f.Sentence, f.SentenceSpan.Slice(text));
        var p = Assert.Single(f.Periods);
        Assert.Equal("FY2024", p.Normalized);
        Assert.Equal("criminal-history removals", f.UnitPhrase);
        Assert.Equal("total removals", all[1].UnitPhrase);
    }

    [Fact]
    public void Extract_SentenceSplitting_SurvivesUSAbbreviation()
    {
        var f = One("U.S. citizen children were held, said the U.S. Dept. of State, in 17 cases.");
        Assert.StartsWith("U.S. citizen children", f.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_AsOfFigure_HasStockPeriod()
    {
        var f = One("ICE reported 435,719 convicted individuals on its national docket as of July 21, 2024.");
        Assert.True(Assert.Single(f.Periods).IsStock);
    }

    [Fact]
    public void Extract_Spans_PointAtTheNumberInTheText()
    {
        const string text = "He said nearly 200,000 cases were dropped and 1.8M + hearings held.";
        foreach (var f in FigureExtractor.Extract(text))
        {
            Assert.Contains(f.RawText, f.Span.Slice(text), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Extract_StatCard_ReadsEveryFigureWithItsLabel()
    {
        const string text = "ERO\n\n113,431\nadministrative arrests\n33,243\nat-large arrests\n \n10%\nof its workforce deployed";
        var all = FigureExtractor.Extract(text);
        Assert.Equal([113431d, 33243d, 10d], all.Select(f => f.Value));
        Assert.Equal(["administrative arrests", "at-large arrests", "of its workforce deployed"], all.Select(f => f.UnitPhrase));
    }

    [Fact]
    public void Extract_EmptyText_YieldsNothing()
    {
        Assert.Empty(FigureExtractor.Extract(string.Empty));
    }
}
