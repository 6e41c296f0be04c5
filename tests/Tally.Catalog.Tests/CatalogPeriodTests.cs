using Tally.Catalog.Model;

namespace Tally.Catalog.Tests;

public sealed class CatalogPeriodTests
{
    [Theory]
    [InlineData("FY2024", PeriodBasis.UsFederalFiscalYear, "2023-10-01", "2024-09-30", false)]
    [InlineData("FY2024 through 2024-02", PeriodBasis.UsFederalFiscalYear, "2023-10-01", "2024-02-29", true)]
    [InlineData("CY2023", PeriodBasis.CalendarYear, "2023-01-01", "2023-12-31", false)]
    [InlineData("CY2024 through 2024-06", PeriodBasis.CalendarYear, "2024-01-01", "2024-06-30", true)]
    [InlineData("2024-02", PeriodBasis.Month, "2024-02-01", "2024-02-29", false)]
    [InlineData("2024-07-21", PeriodBasis.AsOfDate, "2024-07-21", "2024-07-21", false)]
    [InlineData("FY2014..FY2023", PeriodBasis.MultiYear, "2013-10-01", "2023-09-30", false)]
    [InlineData("2017-07..2018-07-11", PeriodBasis.DateRange, "2017-07-01", "2018-07-11", false)]
    [InlineData("2021-01..2024-02", PeriodBasis.DateRange, "2021-01-01", "2024-02-29", false)]
    public void ValidPeriod_ParsesToItsBasisAndBounds(string text, PeriodBasis basis, string start, string end, bool ytd)
    {
        var period = CatalogPeriod.Parse(text);

        Assert.Equal(basis, period.Basis);
        Assert.Equal(DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture), period.Start);
        Assert.Equal(DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture), period.End);
        Assert.Equal(ytd, period.YearToDate);
        Assert.Equal(text, period.Text);
    }

    [Fact]
    public void Unspecified_HasNoBounds()
    {
        var period = CatalogPeriod.Parse("unspecified");

        Assert.Equal(PeriodBasis.Unspecified, period.Basis);
        Assert.Null(period.Start);
    }

    [Theory]
    [InlineData("2024", "not a period")]
    [InlineData("FY24", "not a period")]
    [InlineData("fiscal 2024", "not a period")]
    [InlineData("2024-13", "not a valid month")]
    [InlineData("2024-02-30", "not a valid date")]
    [InlineData("FY2024 through 2024-12", "outside FY2024")]
    [InlineData("FY2023..FY2014", "run forward")]
    [InlineData("FY2014..CY2023", "same kind")]
    [InlineData("2018-07..2017-07", "ends before it starts")]
    [InlineData("", "empty")]
    public void MalformedPeriod_SaysWhy(string text, string reason)
    {
        Assert.False(CatalogPeriod.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
