using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Tally.Catalog.Model;

/// <summary>
/// A figure's period, written in the catalog's small period grammar:
/// <list type="bullet">
/// <item><c>FY2024</c> — US federal fiscal year (2023-10-01 .. 2024-09-30)</item>
/// <item><c>FY2024 through 2024-02</c> — fiscal year to date, through the end of that month</item>
/// <item><c>CY2023</c>, <c>CY2024 through 2024-06</c> — calendar year, calendar year to date</item>
/// <item><c>2024-03</c> — a calendar month</item>
/// <item><c>2024-07-21</c> — as of a date</item>
/// <item><c>FY2014..FY2023</c>, <c>CY2014..CY2023</c> — several whole years</item>
/// <item><c>2017-07..2018-07-11</c> — a date range (month ends expand to the month's first/last day)</item>
/// <item><c>unspecified</c> — the source gives no period</item>
/// </list>
/// </summary>
public sealed partial record CatalogPeriod
{
    /// <summary>The accepted forms, for error messages.</summary>
    public const string AcceptedForms =
        "FY2024, FY2024 through 2024-02, CY2023, CY2024 through 2024-06, 2024-03 (month), 2024-07-21 (as of), " +
        "FY2014..FY2023, CY2014..CY2023, 2017-07..2018-07-11 (date range), unspecified";

    private CatalogPeriod(string text, PeriodBasis basis, DateOnly? start, DateOnly? end, bool yearToDate)
    {
        Text = text;
        Basis = basis;
        Start = start;
        End = end;
        YearToDate = yearToDate;
    }

    /// <summary>Canonical text of the period (this is what the catalog version hashes).</summary>
    public string Text { get; }

    [JsonIgnore] public PeriodBasis Basis { get; }

    /// <summary>First day covered; for as-of periods, the date itself. Null when unspecified.</summary>
    [JsonIgnore] public DateOnly? Start { get; }

    /// <summary>Last day covered (inclusive); for as-of periods, the date itself. Null when unspecified.</summary>
    [JsonIgnore] public DateOnly? End { get; }

    /// <summary>True for "… through YYYY-MM" periods: a partial fiscal or calendar year.</summary>
    [JsonIgnore] public bool YearToDate { get; }

    public override string ToString() => Text;

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming the accepted forms.</summary>
    public static CatalogPeriod Parse(string text) =>
        TryParse(text, out var period, out var error) ? period : throw new FormatException(error);

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out CatalogPeriod? period, [NotNullWhen(false)] out string? error)
    {
        period = null;
        var t = (text ?? string.Empty).Trim();
        error = Parse(t, ref period);
        return error is null;
    }

    private static string? Parse(string t, ref CatalogPeriod? period)
    {
        if (t.Length == 0)
        {
            return "period is empty; accepted forms: " + AcceptedForms;
        }

        if (string.Equals(t, "unspecified", StringComparison.Ordinal))
        {
            period = new CatalogPeriod(t, PeriodBasis.Unspecified, null, null, false);
            return null;
        }

        var m = YearPattern().Match(t);
        if (m.Success)
        {
            var fiscal = m.Groups["kind"].Value == "FY";
            if (!TryYear(m.Groups["year"].Value, out var year, out var err))
            {
                return err;
            }

            var (start, end) = YearBounds(fiscal, year);
            var basis = fiscal ? PeriodBasis.UsFederalFiscalYear : PeriodBasis.CalendarYear;
            if (!m.Groups["through"].Success)
            {
                period = new CatalogPeriod($"{(fiscal ? "FY" : "CY")}{year}", basis, start, end, false);
                return null;
            }

            if (!TryMonth(m.Groups["through"].Value, out var first, out err))
            {
                return err;
            }

            var last = first.AddMonths(1).AddDays(-1);
            if (first < start || last > end)
            {
                return $"'{t}': {first:yyyy-MM} is outside {(fiscal ? "FY" : "CY")}{year} ({start:yyyy-MM-dd} .. {end:yyyy-MM-dd})";
            }

            period = new CatalogPeriod($"{(fiscal ? "FY" : "CY")}{year} through {first:yyyy-MM}", basis, start, last, true);
            return null;
        }

        var range = t.Split("..", StringSplitOptions.None);
        if (range.Length == 2)
        {
            return ParseRange(t, range[0].Trim(), range[1].Trim(), ref period);
        }

        if (range.Length > 2)
        {
            return $"'{t}' has more than one '..'; accepted forms: {AcceptedForms}";
        }

        if (MonthPattern().IsMatch(t))
        {
            if (!TryMonth(t, out var first, out var err))
            {
                return err;
            }

            period = new CatalogPeriod($"{first:yyyy-MM}", PeriodBasis.Month, first, first.AddMonths(1).AddDays(-1), false);
            return null;
        }

        if (DatePattern().IsMatch(t))
        {
            if (!TryDate(t, out var day, out var err))
            {
                return err;
            }

            period = new CatalogPeriod($"{day:yyyy-MM-dd}", PeriodBasis.AsOfDate, day, day, false);
            return null;
        }

        return $"'{t}' is not a period; accepted forms: {AcceptedForms}";
    }

    private static string? ParseRange(string t, string a, string b, ref CatalogPeriod? period)
    {
        var ya = YearPattern().Match(a);
        var yb = YearPattern().Match(b);
        if (ya.Success || yb.Success)
        {
            if (!ya.Success || !yb.Success || ya.Groups["through"].Success || yb.Groups["through"].Success ||
                ya.Groups["kind"].Value != yb.Groups["kind"].Value)
            {
                return $"'{t}': a multi-year range joins two whole years of the same kind, e.g. FY2014..FY2023 or CY2014..CY2023";
            }

            if (!TryYear(ya.Groups["year"].Value, out var y1, out var err) || !TryYear(yb.Groups["year"].Value, out var y2, out err))
            {
                return err;
            }

            if (y2 <= y1)
            {
                return $"'{t}': the range must run forward over at least two years";
            }

            var fiscal = ya.Groups["kind"].Value == "FY";
            var kind = fiscal ? "FY" : "CY";
            period = new CatalogPeriod($"{kind}{y1}..{kind}{y2}", PeriodBasis.MultiYear, YearBounds(fiscal, y1).Start, YearBounds(fiscal, y2).End, false);
            return null;
        }

        if (!TryRangeEnd(a, start: true, out var from, out var e1))
        {
            return $"'{t}': {e1}";
        }

        if (!TryRangeEnd(b, start: false, out var to, out var e2))
        {
            return $"'{t}': {e2}";
        }

        if (to < from)
        {
            return $"'{t}': the range ends before it starts";
        }

        period = new CatalogPeriod($"{a}..{b}", PeriodBasis.DateRange, from, to, false);
        return null;
    }

    private static bool TryRangeEnd(string s, bool start, out DateOnly day, out string error)
    {
        error = string.Empty;
        day = default;
        if (MonthPattern().IsMatch(s))
        {
            if (!TryMonth(s, out var first, out error))
            {
                return false;
            }

            day = start ? first : first.AddMonths(1).AddDays(-1);
            return true;
        }

        if (DatePattern().IsMatch(s))
        {
            return TryDate(s, out day, out error);
        }

        error = $"range end '{s}' must be a month (2017-07) or a date (2018-07-11)";
        return false;
    }

    private static (DateOnly Start, DateOnly End) YearBounds(bool fiscal, int year) => fiscal
        ? (new DateOnly(year - 1, 10, 1), new DateOnly(year, 9, 30))
        : (new DateOnly(year, 1, 1), new DateOnly(year, 12, 31));

    private static bool TryYear(string s, out int year, out string error)
    {
        year = int.Parse(s, CultureInfo.InvariantCulture);
        error = string.Empty;
        if (year is < 1900 or > 2100)
        {
            error = $"year {year} is out of range (1900-2100)";
            return false;
        }

        return true;
    }

    private static bool TryMonth(string s, out DateOnly first, out string error)
    {
        first = default;
        error = string.Empty;
        if (!DateOnly.TryParseExact(s + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out first) ||
            first.Year is < 1900 or > 2100)
        {
            error = $"'{s}' is not a valid month (YYYY-MM)";
            return false;
        }

        return true;
    }

    private static bool TryDate(string s, out DateOnly day, out string error)
    {
        error = string.Empty;
        if (!DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day) ||
            day.Year is < 1900 or > 2100)
        {
            error = $"'{s}' is not a valid date (YYYY-MM-DD)";
            return false;
        }

        return true;
    }

    [GeneratedRegex(@"^(?<kind>FY|CY)(?<year>[0-9]{4})(?: through (?<through>[0-9]{4}-[0-9]{2}))?$")]
    private static partial Regex YearPattern();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}$")]
    private static partial Regex MonthPattern();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    private static partial Regex DatePattern();
}
