namespace Tally.Analysis.Tests;

public sealed class PeriodParserTests
{
    private static PeriodMention One(string text)
    {
        var all = PeriodParser.Parse(text, TestDates.Today);
        return Assert.Single(all);
    }

    [Theory]
    [InlineData("removals in FY2024", "in FY2024")]
    [InlineData("removals in FY 2024", "in FY 2024")]
    [InlineData("removals in FY24", "in FY24")]
    [InlineData("removals in FY'24", "in FY'24")]
    [InlineData("the fiscal year 2024 report", "fiscal year 2024")]
    [InlineData("ICE said fiscal 2024 was busy", "fiscal 2024")]
    [InlineData("removals in fiscal year (FY) 2024 rose", "in fiscal year (FY) 2024")]
    [InlineData("Fiscal Year\n    2024", "Fiscal Year\n    2024")]
    [InlineData("during FY2024", "during FY2024")]
    public void Parse_FiscalYearForms_NormaliseToFY2024(string text, string expectedText)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.FiscalYear, m.Kind);
        Assert.Equal("FY2024", m.Normalized);
        Assert.Equal(expectedText, m.Text);
        Assert.Equal(PeriodBasis.Fiscal, m.Basis);
        Assert.False(m.BasisAmbiguous);
        Assert.Equal(TestDates.D("2023-10-01"), m.From);
        Assert.Equal(TestDates.D("2024-09-30"), m.To);
        Assert.Equal(text.IndexOf(expectedText, StringComparison.Ordinal), m.Span.Start);
    }

    [Theory]
    [InlineData("How many people did ICE deport in 2024?", "in 2024")]
    [InlineData("deportations during 2024", "during 2024")]
    [InlineData("the 2024 total", "2024")]
    public void Parse_PlainYear_IsCalendarYearWithAmbiguousBasis(string text, string expectedText)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.CalendarYear, m.Kind);
        Assert.Equal("CY2024", m.Normalized);
        Assert.Equal(expectedText, m.Text);
        Assert.True(m.BasisAmbiguous);
        Assert.Contains("FY2024", m.Reason, StringComparison.Ordinal);
        Assert.Equal(TestDates.D("2024-01-01"), m.From);
    }

    [Theory]
    [InlineData("in calendar year 2024")]
    [InlineData("in CY2024")]
    [InlineData("in CY 2024")]
    public void Parse_ExplicitCalendarYear_IsNotAmbiguous(string text)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.CalendarYear, m.Kind);
        Assert.Equal("CY2024", m.Normalized);
        Assert.False(m.BasisAmbiguous);
    }

    [Theory]
    [InlineData("on its national docket as of July 21, 2024", "as of July 21, 2024")]
    [InlineData("as of 7/21/2024, there were", "as of 7/21/2024")]
    [InlineData("as of 2024-07-21", "as of 2024-07-21")]
    [InlineData("As of Jul. 21, 2024 the docket", "As of Jul. 21, 2024")]
    [InlineData("as of 21 July 2024", "as of 21 July 2024")]
    public void Parse_AsOfDate_IsStockOnThatDate(string text, string expectedText)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.AsOfDate, m.Kind);
        Assert.True(m.IsStock);
        Assert.Equal("asof:2024-07-21", m.Normalized);
        Assert.Equal(expectedText, m.Text);
        Assert.Equal(TestDates.D("2024-07-21"), m.From);
        Assert.Equal(m.From, m.To);
    }

    [Fact]
    public void Parse_AsOfDateWithoutYear_ResolvesToMostRecentOccurrence()
    {
        var m = Assert.Single(PeriodParser.Parse("As of May 29, immigration prosecutors had examined 288,361 cases", new DateOnly(2012, 6, 7)));
        Assert.Equal(PeriodKind.AsOfDate, m.Kind);
        Assert.Equal("asof:2012-05-29", m.Normalized);
        Assert.True(m.Relative);
    }

    [Fact]
    public void Parse_AsOfDateWithoutYearOrReferenceDate_KeepsMonthAndDayOnly()
    {
        var m = Assert.Single(PeriodParser.Parse("As of May 29, prosecutors had examined"));
        Assert.Equal("asof:--05-29", m.Normalized);
        Assert.Null(m.From);
    }

    [Fact]
    public void Parse_AsOfEndOfFiscalYear_IsStockOnSeptember30()
    {
        var m = One("people on the docket as of the end of FY2024");
        Assert.Equal(PeriodKind.AsOfDate, m.Kind);
        Assert.Equal("asof:2024-09-30", m.Normalized);
    }

    [Theory]
    [InlineData("cases dropped since 2014", "since 2014", "CY2014..", "2014-01-01", true)]
    [InlineData("since FY2014", "since FY2014", "FY2014..", "2013-10-01", false)]
    [InlineData("since March 2020", "since March 2020", "2020-03..", "2020-03-01", false)]
    public void Parse_Since_IsOpenRange(string text, string expectedText, string normalized, string from, bool ambiguous)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.Since, m.Kind);
        Assert.Equal(expectedText, m.Text);
        Assert.Equal(normalized, m.Normalized);
        Assert.Equal(TestDates.D(from), m.From);
        Assert.Null(m.To);
        Assert.Equal(ambiguous, m.BasisAmbiguous);
    }

    [Theory]
    [InlineData("removals 2018–2024 rose", "2018–2024")]
    [InlineData("removals 2018-2024 rose", "2018-2024")]
    [InlineData("removals 2018 - 2024 rose", "2018 - 2024")]
    [InlineData("removals from 2018 to 2024 rose", "from 2018 to 2024")]
    [InlineData("removals between 2018 and 2024 rose", "between 2018 and 2024")]
    [InlineData("removals from 2018 through 2024 rose", "from 2018 through 2024")]
    public void Parse_YearRange_IsCalendarRangeWithAmbiguousBasis(string text, string expectedText)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.Range, m.Kind);
        Assert.Equal(expectedText, m.Text);
        Assert.Equal("CY2018..CY2024", m.Normalized);
        Assert.True(m.BasisAmbiguous);
        Assert.Equal(TestDates.D("2018-01-01"), m.From);
        Assert.Equal(TestDates.D("2024-12-31"), m.To);
    }

    [Theory]
    [InlineData("FY2018–FY2024")]
    [InlineData("FY2018-2024")]
    [InlineData("FY2018-24")]
    [InlineData("fiscal years 2018 through 2024")]
    [InlineData("from FY2018 to FY2024")]
    public void Parse_FiscalYearRange_UsesFiscalBounds(string text)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.Range, m.Kind);
        Assert.Equal("FY2018..FY2024", m.Normalized);
        Assert.Equal(PeriodBasis.Fiscal, m.Basis);
        Assert.False(m.BasisAmbiguous);
        Assert.Equal(TestDates.D("2017-10-01"), m.From);
        Assert.Equal(TestDates.D("2024-09-30"), m.To);
    }

    [Fact]
    public void Parse_DateRange_IsRangeOfDays()
    {
        var m = One("Semiannual Report for April 1, 2024–September 30, 2024, summarizes");
        Assert.Equal(PeriodKind.Range, m.Kind);
        Assert.Equal("2024-04-01..2024-09-30", m.Normalized);
    }

    [Fact]
    public void Parse_TwoYearsJoinedByAndWithoutBetween_AreTwoSeparateYears()
    {
        var all = PeriodParser.Parse("in 2018 and 2024", TestDates.Today);
        Assert.Equal(["CY2018", "CY2024"], all.Select(p => p.Normalized));
    }

    [Fact]
    public void Parse_DescendingYears_AreNotARange()
    {
        var all = PeriodParser.Parse("2024-2018", TestDates.Today);
        Assert.DoesNotContain(all, p => p.Kind == PeriodKind.Range);
    }

    [Theory]
    [InlineData("How many are released by ICE annually?", "annually")]
    [InlineData("removed each year", "each year")]
    [InlineData("removed every year", "every year")]
    [InlineData("400,000 removals per year", "per year")]
    [InlineData("deports 400,000 people a year", "a year")]
    [InlineData("removals each fiscal year", "each fiscal year")]
    public void Parse_AnnualPhrases_AreAnnualFlowWithoutYear(string text, string expectedText)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.Annual, m.Kind);
        Assert.Equal("annual", m.Normalized);
        Assert.Equal(expectedText, m.Text);
        Assert.Null(m.From);
    }

    [Theory]
    [InlineData("a year ago")]
    [InlineData("detained for a year")]
    [InlineData("more than a year later")]
    [InlineData("within a year")]
    public void Parse_AYearAsDuration_IsNotAnnual(string text)
    {
        Assert.DoesNotContain(PeriodParser.Parse(text, TestDates.Today), p => p.Kind == PeriodKind.Annual);
    }

    [Theory]
    [InlineData("released by ICE annually in recent years?", "in recent years")]
    [InlineData("lately the numbers", "lately")]
    [InlineData("in the past few years", "in the past few years")]
    [InlineData("over the last several years", "over the last several years")]
    public void Parse_RecentPhrases_AreRecentUnspecified(string text, string expectedText)
    {
        var m = PeriodParser.Parse(text, TestDates.Today).Single(p => p.Kind == PeriodKind.Recent);
        Assert.Equal(expectedText, m.Text);
        Assert.Equal("recent", m.Normalized);
    }

    [Fact]
    public void Parse_AnnuallyInRecentYears_YieldsBothMentions()
    {
        var all = PeriodParser.Parse("How many are released by ICE annually in recent years?", TestDates.Today);
        Assert.Equal([PeriodKind.Annual, PeriodKind.Recent], all.Select(p => p.Kind));
    }

    [Theory]
    [InlineData("last year", "CY2024", true)]
    [InlineData("this year", "CY2025", true)]
    [InlineData("last fiscal year", "FY2025", false)]
    [InlineData("this fiscal year", "FY2026", false)]
    [InlineData("the current fiscal year", "FY2026", false)]
    [InlineData("last month", "2025-10", false)]
    [InlineData("last quarter", "CY2025-Q3", false)]
    public void Parse_RelativePhrases_ResolveAgainstReferenceDate(string text, string normalized, bool ambiguous)
    {
        var m = One(text);
        Assert.Equal(normalized, m.Normalized);
        Assert.True(m.Relative);
        Assert.Equal(ambiguous, m.BasisAmbiguous);
    }

    [Fact]
    public void Parse_RelativeWithoutReferenceDate_IsReportedUnresolved()
    {
        var m = Assert.Single(PeriodParser.Parse("deportations last year"));
        Assert.Equal("relative:last-year", m.Normalized);
        Assert.True(m.Relative);
        Assert.Null(m.From);
    }

    [Theory]
    [InlineData("in the past year", 12)]
    [InlineData("over the last 12 months", 12)]
    [InlineData("in the past five years", 60)]
    [InlineData("over the past decade", 120)]
    public void Parse_TrailingWindows_EndOnReferenceDate(string text, int months)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.Trailing, m.Kind);
        Assert.Equal(months, m.Months);
        Assert.Equal(TestDates.Today, m.To);
        Assert.Equal(TestDates.Today.AddMonths(-months).AddDays(1), m.From);
    }

    [Fact]
    public void Parse_FirstFiveMonthsOfThenCurrentFiscalYear_IsYearToDateWithUnknownYear()
    {
        var m = One("a decline to just over 1% in the first five months of the then-current fiscal year");
        Assert.Equal(PeriodKind.YearToDate, m.Kind);
        Assert.Equal("in the first five months of the then-current fiscal year", m.Text);
        Assert.Equal("FY?:first-5-months", m.Normalized);
        Assert.Equal(5, m.Months);
        Assert.Equal(PeriodBasis.Fiscal, m.Basis);
        Assert.Null(m.From);
    }

    [Fact]
    public void Parse_FirstFiveMonthsOfFY2024_IsOctoberThroughFebruary()
    {
        var m = One("the first 5 months of FY2024");
        Assert.Equal("FY2024:first-5-months", m.Normalized);
        Assert.Equal(TestDates.D("2023-10-01"), m.From);
        Assert.Equal(TestDates.D("2024-02-29"), m.To);
    }

    [Fact]
    public void Parse_FirstMonthsOfCurrentFiscalYear_ResolvesWithReferenceDate()
    {
        var m = One("the first two months of the current fiscal year");
        Assert.Equal("FY2026:first-2-months", m.Normalized);
        Assert.True(m.Relative);
        Assert.Equal(TestDates.D("2025-11-30"), m.To);
    }

    [Theory]
    [InlineData("FY2025 year-to-date", "FY2025:to-date")]
    [InlineData("fiscal year to date", "FY2026:to-date")]
    [InlineData("FYTD 2025", "FY2025:to-date")]
    public void Parse_YearToDatePhrases_AreYearToDate(string text, string normalized)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.YearToDate, m.Kind);
        Assert.Equal(normalized, m.Normalized);
    }

    [Theory]
    [InlineData("in March 2024", "2024-03", "2024-03-01", "2024-03-31")]
    [InlineData("October 2023 saw", "2023-10", "2023-10-01", "2023-10-31")]
    [InlineData("in Feb. 2024", "2024-02", "2024-02-01", "2024-02-29")]
    [InlineData("in September of 2024", "2024-09", "2024-09-01", "2024-09-30")]
    public void Parse_Months_AreCalendarMonths(string text, string normalized, string from, string to)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.Month, m.Kind);
        Assert.Equal(normalized, m.Normalized);
        Assert.Equal(TestDates.D(from), m.From);
        Assert.Equal(TestDates.D(to), m.To);
    }

    [Fact]
    public void Parse_MonthRange_IsRangeOfMonths()
    {
        var m = One("from October 2023 to March 2024");
        Assert.Equal(PeriodKind.Range, m.Kind);
        Assert.Equal("2023-10..2024-03", m.Normalized);
        Assert.Equal(TestDates.D("2024-03-31"), m.To);
    }

    [Theory]
    [InlineData("Q1 FY2024", "FY2024-Q1", "2023-10-01", "2023-12-31")]
    [InlineData("FY2024 Q2", "FY2024-Q2", "2024-01-01", "2024-03-31")]
    [InlineData("in the first quarter of fiscal year 2024", "FY2024-Q1", "2023-10-01", "2023-12-31")]
    [InlineData("Q1 2024", "CY2024-Q1", "2024-01-01", "2024-03-31")]
    [InlineData("the third quarter of 2023", "CY2023-Q3", "2023-07-01", "2023-09-30")]
    public void Parse_Quarters_AreFiscalOrCalendar(string text, string normalized, string from, string to)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.Quarter, m.Kind);
        Assert.Equal(normalized, m.Normalized);
        Assert.Equal(TestDates.D(from), m.From);
        Assert.Equal(TestDates.D(to), m.To);
    }

    [Theory]
    [InlineData("Checked on October 17, 2025", "2025-10-17")]
    [InlineData("By Jorge Rivas Jun 07, 2012", "2012-06-07")]
    public void Parse_StandaloneDate_IsDayNotYear(string text, string normalized)
    {
        var m = One(text);
        Assert.Equal(PeriodKind.Day, m.Kind);
        Assert.Equal(normalized, m.Normalized);
    }

    [Theory]
    [InlineData("271,484 removals")]
    [InlineData("1,900 + cases")]
    [InlineData("report OIG-21-36")]
    [InlineData("$2024 in fees")]
    [InlineData("2024.5 units")]
    [InlineData("about 2,024 people")]
    [InlineData("may 5 people")]
    public void Parse_NumbersThatAreNotYears_YieldNothing(string text)
    {
        Assert.Empty(PeriodParser.Parse(text, TestDates.Today));
    }

    [Fact]
    public void Parse_SeedSentence_FindsEveryPeriodInOrder()
    {
        const string text = "reporting 68,869 cases dropped in 2023 and dramatic growth from 217 cases in 2014; this dataset " +
                            "documents dismissals, not a count of wrongful deportations reported to DHS in 2024";
        var all = PeriodParser.Parse(text, TestDates.Today);
        Assert.Equal(["CY2023", "CY2014", "CY2024"], all.Select(p => p.Normalized));
        Assert.All(all, p => Assert.Equal(p.Text, p.Span.Slice(text)));
    }

    [Fact]
    public void Parse_Mentions_NeverOverlap()
    {
        const string text = "as of July 21, 2024 and since FY2014, in the first five months of FY2024, annually in recent years, " +
                            "from 2018 to 2024, last year, in March 2024 and Q1 FY2025.";
        var all = PeriodParser.Parse(text, TestDates.Today);
        Assert.True(all.Count >= 9, $"found {all.Count}");
        for (var i = 1; i < all.Count; i++)
        {
            Assert.True(all[i - 1].Span.End <= all[i].Span.Start, $"{all[i - 1].Text} overlaps {all[i].Text}");
        }
    }

    [Fact]
    public void Parse_EmptyText_YieldsNothing()
    {
        Assert.Empty(PeriodParser.Parse(string.Empty, TestDates.Today));
    }

    [Fact]
    public void Parse_EveryMention_HasAReason()
    {
        var all = PeriodParser.Parse("in FY2024, in 2024, annually, lately, since 2014, as of 7/21/2024", TestDates.Today);
        Assert.Equal(6, all.Count);
        Assert.All(all, p => Assert.False(string.IsNullOrWhiteSpace(p.Reason)));
    }
}
