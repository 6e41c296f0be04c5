namespace Tally.Analysis.Tests;

public sealed class FiscalYearTests
{
    [Theory]
    [InlineData("2023-10-01", 2024)]
    [InlineData("2024-09-30", 2024)]
    [InlineData("2024-10-01", 2025)]
    [InlineData("2024-01-01", 2024)]
    [InlineData("2024-12-31", 2025)]
    [InlineData("2025-11-22", 2026)]
    public void Of_Date_ReturnsFiscalYearEndingInSeptember(string date, int expected)
    {
        Assert.Equal(expected, FiscalYear.Of(TestDates.D(date)).Year);
    }

    [Fact]
    public void StartAndEnd_FY2024_AreOct2023ToSep2024()
    {
        var fy = new FiscalYear(2024);
        Assert.Equal(TestDates.D("2023-10-01"), fy.Start);
        Assert.Equal(TestDates.D("2024-09-30"), fy.End);
        Assert.Equal("FY2024", fy.ToString());
    }

    [Theory]
    [InlineData("2023-10-01", true)]
    [InlineData("2024-09-30", true)]
    [InlineData("2023-09-30", false)]
    [InlineData("2024-10-01", false)]
    public void Contains_BoundaryDates_AreInclusive(string date, bool expected)
    {
        Assert.Equal(expected, new FiscalYear(2024).Contains(TestDates.D(date)));
    }

    [Theory]
    [InlineData("2023-10-15", 1)]
    [InlineData("2023-12-31", 1)]
    [InlineData("2024-01-01", 2)]
    [InlineData("2024-04-30", 3)]
    [InlineData("2024-07-04", 4)]
    [InlineData("2024-09-30", 4)]
    public void QuarterOf_Date_ReturnsFiscalQuarter(string date, int expected)
    {
        Assert.Equal(expected, FiscalYear.QuarterOf(TestDates.D(date)));
    }

    [Fact]
    public void Quarter_Q1OfFY2024_IsOctoberToDecember2023()
    {
        var (start, end) = new FiscalYear(2024).Quarter(1);
        Assert.Equal(TestDates.D("2023-10-01"), start);
        Assert.Equal(TestDates.D("2023-12-31"), end);
    }

    [Fact]
    public void FirstMonths_FiveMonthsOfFY2024_EndsOnLeapDay()
    {
        var (start, end) = new FiscalYear(2024).FirstMonths(5);
        Assert.Equal(TestDates.D("2023-10-01"), start);
        Assert.Equal(TestDates.D("2024-02-29"), end);
    }

    [Fact]
    public void OverlapWithCalendarYear_CY2024_IsNineMonthsOfFY2024AndThreeOfFY2025()
    {
        var slices = FiscalYear.OverlapWithCalendarYear(2024);
        Assert.Equal(2, slices.Count);
        Assert.Equal("FY2024", slices[0].Label);
        Assert.Equal(TestDates.D("2024-01-01"), slices[0].From);
        Assert.Equal(TestDates.D("2024-09-30"), slices[0].To);
        Assert.Equal(9, slices[0].Months);
        Assert.Equal("FY2025", slices[1].Label);
        Assert.Equal(TestDates.D("2024-10-01"), slices[1].From);
        Assert.Equal(TestDates.D("2024-12-31"), slices[1].To);
        Assert.Equal(3, slices[1].Months);
        Assert.Equal(366, slices.Sum(s => s.Days));
    }

    [Fact]
    public void CalendarYears_FY2024_IsThreeMonthsOf2023AndNineOf2024()
    {
        var slices = new FiscalYear(2024).CalendarYears();
        Assert.Equal(["CY2023", "CY2024"], slices.Select(s => s.Label));
        Assert.Equal([3, 9], slices.Select(s => s.Months));
    }

    [Fact]
    public void Overlaps_RangeInsideOneFiscalYear_ReturnsOneClippedSlice()
    {
        var slices = FiscalYear.Overlaps(TestDates.D("2024-03-01"), TestDates.D("2024-03-31"));
        var only = Assert.Single(slices);
        Assert.Equal(2024, only.Year);
        Assert.Equal(31, only.Days);
    }

    [Fact]
    public void Overlaps_EndBeforeStart_Throws()
    {
        Assert.Throws<ArgumentException>(() => FiscalYear.Overlaps(TestDates.D("2024-03-01"), TestDates.D("2024-02-01")));
    }

    [Fact]
    public void Comparison_LaterYear_IsGreater()
    {
        Assert.True(new FiscalYear(2025) > new FiscalYear(2024));
        Assert.Equal(new FiscalYear(2024), FiscalYear.Of(TestDates.D("2024-05-05")));
    }
}
