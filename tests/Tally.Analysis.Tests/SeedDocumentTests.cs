namespace Tally.Analysis.Tests;

/// <summary>End-to-end checks on the real seed documents in ../shared/seeds (skipped when absent).</summary>
public sealed class SeedDocumentTests
{
    [SeedFact]
    public void FactCheck003_DocketFigure_IsStockOnJuly21WithItsUnit()
    {
        var text = Seeds.Read("003");
        var f = FigureExtractor.Extract(text, TestDates.Today).First(c => c.Value == 662566);
        Assert.Equal("noncitizens with criminal histories on its national docket", f.UnitPhrase);
        var asOf = Assert.Single(f.Periods, p => p.IsStock);
        Assert.Equal("asof:2024-07-21", asOf.Normalized);
    }

    [SeedFact]
    public void FactCheck003_RemovalsFigures_CarryFY2024()
    {
        var text = Seeds.Read("003");
        var figures = FigureExtractor.Extract(text, TestDates.Today);
        var removals = figures.First(c => c.Value == 271484 && c.UnitPhrase == "ERO removals");
        Assert.Contains(removals.Periods, p => p.Normalized == "FY2024");
        var share = figures.First(c => c.Kind == FigureKind.Percent && c.Value == 32.7);
        Assert.Equal(removals.SentenceSpan, share.SentenceSpan);
    }

    [SeedFact]
    public void FactCheck003_FollowUpQuestion_ParsesRangeAndAnnual()
    {
        var text = Seeds.Read("003");
        var line = text.Split('\n').First(l => l.StartsWith("How many detainees", StringComparison.Ordinal));
        var p = QuestionParser.Parse(line, QuestionParserTests.Sample, TestDates.Today);
        Assert.Equal(QuestionKind.HowMany, p.Kind);
        Assert.Contains(p.Periods, x => x.Kind == PeriodKind.Annual);
        Assert.Contains(p.Periods, x => x.Normalized == "CY2018..CY2024" && x.BasisAmbiguous);
        Assert.Equal("ICE", Assert.Single(p.Agencies).Agency.Code);
    }

    [SeedFact]
    public void FactCheck003_QuotedFragmentWithStraightQuotes_IsFoundInCurlyText()
    {
        var text = Seeds.Read("003");
        var m = FragmentLocator.Find(text, "ICE's FY2024 annual report separately shows 271,484 ERO removals in FY2024, 88,763 (32.7%) of which had criminal histories");
        Assert.True(m.Found, m.Reason);
        Assert.StartsWith("ICE’s FY2024", m.MatchedText, StringComparison.Ordinal);
        Assert.Equal(m.MatchedText, m.Span!.Value.Slice(text));
    }

    [SeedFact]
    public void FactCheck003_NonBreakingHyphen_MatchesAsciiHyphen()
    {
        var text = Seeds.Read("003");
        Assert.True(FragmentLocator.Find(text, "88,763 criminal-history removals in FY2024").Found);
        Assert.True(FragmentLocator.Find(text, "ICE's national and non-detained dockets").Found);
    }

    [SeedFact]
    public void FactCheck003_MisquotedEvent_IsNotFoundAndExplained()
    {
        var text = Seeds.Read("003");
        var m = FragmentLocator.Find(text, "showing 271,484 ERO returns in FY2024");
        Assert.False(m.Found);
        Assert.Equal(1, m.DifferingWord);
        Assert.StartsWith("differs at word 1: 'showing' (fragment) vs 'shows' (document); also at word 4: 'returns' vs 'removals';", m.Reason, StringComparison.Ordinal);
    }

    [SeedFact]
    public void IceAnnualReport001_StatCards_ReadWithQualifiersAndLabels()
    {
        var text = Seeds.Read("001");
        var figures = FigureExtractor.Extract(text, TestDates.Today);
        var hearings = figures.Single(f => f.Value == 1_800_000);
        Assert.Equal(FigureQualifier.AtLeast, hearings.Qualifier);
        Assert.Equal("removal hearings represented on behalf of DHS", hearings.UnitPhrase);
        var orders = figures.Single(f => f.Value == 287_000);
        Assert.Equal(FigureQualifier.Nearly, orders.Qualifier);
        Assert.Equal("removal orders", orders.UnitPhrase);
        Assert.Equal("administrative arrests", figures.Single(f => f.Value == 113_431).UnitPhrase);
        Assert.DoesNotContain(figures, f => f.Value == 2024);
    }

    [SeedFact]
    public void FactCheck000_YearToDateAndApproximateFigures_AreRead()
    {
        var text = Seeds.Read("000");
        var figures = FigureExtractor.Extract(text, TestDates.Today);
        var nearly = figures.First(f => f.Value == 200_000);
        Assert.Equal(FigureQualifier.Nearly, nearly.Qualifier);
        Assert.Equal("immigration cases dropped", nearly.UnitPhrase);
        var rate = figures.Single(f => f.Kind == FigureKind.Percent);
        Assert.Equal(FigureQualifier.MoreThan, rate.Qualifier);
        Assert.Contains(rate.Periods, p => p.Kind == PeriodKind.YearToDate && p.Months == 5);
        Assert.DoesNotContain(figures, f => f.Value is 1 or 2 or 3 or 4 && f.Kind == FigureKind.Count); // [1] [2] footnotes, "1." headings
    }

    [SeedFact]
    public void News002_AsOfWithoutYear_ResolvesAgainstPublicationDate()
    {
        var text = Seeds.Read("002");
        var published = new DateOnly(2012, 6, 7);
        var f = FigureExtractor.Extract(text, published).Single(c => c.Value == 288_361);
        Assert.Contains(f.Periods, p => p.Normalized == "asof:2012-05-29");
        Assert.Contains(PeriodParser.Parse(text, published), p => p.Kind == PeriodKind.Day && p.Normalized == "2012-06-07");
    }

    [SeedFact]
    public void OigList004_FiscalYearFieldsAcrossLines_AreFiscalYears()
    {
        var text = Seeds.Read("004");
        var fys = PeriodParser.Parse(text, TestDates.Today).Where(p => p.Kind == PeriodKind.FiscalYear).Select(p => p.Normalized);
        Assert.Equal(["FY2021", "FY2017"], fys);
        Assert.DoesNotContain(FigureExtractor.Extract(text), f => f.Value is 21 or 36 or 17 or 51);
    }

    [SeedFact]
    public void AllSeeds_EveryFigureSpanAndSentence_AreConsistent()
    {
        foreach (var file in Directory.GetFiles(Seeds.Directory!, "*.txt"))
        {
            var text = File.ReadAllText(file);
            foreach (var f in FigureExtractor.Extract(text, TestDates.Today))
            {
                Assert.True(f.SentenceSpan.Contains(new TextSpan(f.Span.Start, 1)), $"{Path.GetFileName(file)}: {f.RawText} outside its sentence");
                Assert.Equal(f.Sentence, f.SentenceSpan.Slice(text));
                Assert.True(FragmentLocator.Find(text, f.Sentence).Found, $"{Path.GetFileName(file)}: sentence not locatable");
            }
        }
    }
}
