using System.Globalization;
using Tally.Common.V1;

namespace Tally.Query.Composition;

/// <summary>Reads and spells <see cref="Period"/>s: "fiscal year 2024 (October 1, 2023–September 30, 2024)".</summary>
public static class PeriodText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static bool IsSet(Period? p) => p is not null && p.Kind != PeriodKind.Unspecified;

    /// <summary>A period that names a kind but no particular year or dates ("annually").</summary>
    public static bool IsOpen(Period? p) =>
        p is not null && p.FiscalYear == 0 && p.CalendarYear == 0 && string.IsNullOrEmpty(p.StartDate) && string.IsNullOrEmpty(p.EndDate);

    public static DateOnly? Start(Period? p) => Date(p?.StartDate) ?? Derived(p).Start;

    public static DateOnly? End(Period? p) => Date(p?.EndDate) ?? Derived(p).End;

    public static DateOnly? Date(string? s) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", Inv, DateTimeStyles.None, out var d) ? d : null;

    private static (DateOnly? Start, DateOnly? End) Derived(Period? p) => p?.Kind switch
    {
        PeriodKind.FiscalYear when p.FiscalYear > 0 => (new DateOnly(p.FiscalYear - 1, 10, 1), new DateOnly(p.FiscalYear, 9, 30)),
        PeriodKind.CalendarYear when p.CalendarYear > 0 => (new DateOnly(p.CalendarYear, 1, 1), new DateOnly(p.CalendarYear, 12, 31)),
        PeriodKind.Month when p.CalendarYear > 0 && p.Month is >= 1 and <= 12 =>
            (new DateOnly(p.CalendarYear, p.Month, 1), new DateOnly(p.CalendarYear, p.Month, 1).AddMonths(1).AddDays(-1)),
        PeriodKind.FiscalQuarter when p.FiscalYear > 0 && p.Quarter is >= 1 and <= 4 =>
            (new DateOnly(p.FiscalYear - 1, 10, 1).AddMonths(3 * (p.Quarter - 1)), new DateOnly(p.FiscalYear - 1, 10, 1).AddMonths(3 * p.Quarter).AddDays(-1)),
        _ => (null, null),
    };

    /// <summary>True for a year-to-date period (flag set, or a year that stops before its natural end).</summary>
    public static bool IsYearToDate(Period p)
    {
        if (p.YearToDate)
        {
            return true;
        }

        var natural = Derived(p).End;
        return natural is not null && End(p) is { } end && end < natural;
    }

    /// <summary>Same span of days and kind (labels and flags aside).</summary>
    public static bool SameSpan(Period a, Period b) =>
        a.Kind == b.Kind && Start(a) == Start(b) && End(a) == End(b) && IsYearToDate(a) == IsYearToDate(b);

    /// <summary>Short label: "FY2024", "CY2024", "July 21, 2024", "FY2024 through February 2024".</summary>
    public static string Short(Period? p)
    {
        if (p is null || p.Kind == PeriodKind.Unspecified)
        {
            return "period not stated";
        }

        var end = End(p);
        return p.Kind switch
        {
            PeriodKind.FiscalYear when IsYearToDate(p) && end is { } e => $"FY{p.FiscalYear} through {e.ToString("MMMM yyyy", Inv)}",
            PeriodKind.FiscalYear when p.FiscalYear > 0 => $"FY{p.FiscalYear}",
            PeriodKind.CalendarYear when IsYearToDate(p) && end is { } e => $"{p.CalendarYear} through {e.ToString("MMMM", Inv)}",
            PeriodKind.CalendarYear when p.CalendarYear > 0 => $"calendar {p.CalendarYear}",
            PeriodKind.FiscalQuarter => $"FY{p.FiscalYear} Q{p.Quarter}",
            PeriodKind.Month when Start(p) is { } s => s.ToString("MMMM yyyy", Inv),
            PeriodKind.AsOfDate when end is { } e => Day(e),
            PeriodKind.DateRange when Start(p) is { } s && end is { } e => Range(s, e),
            _ => string.IsNullOrEmpty(p.Label) ? "period not stated" : p.Label,
        };
    }

    /// <summary>Short label that reads on its own: "FY2024", "as of July 21, 2024".</summary>
    public static string Label(Period? p) =>
        p is { Kind: PeriodKind.AsOfDate } && End(p) is { } e ? "as of " + Day(e) : Short(p);

    /// <summary>
    /// The period spelled out for a sentence that follows a figure: "in fiscal year 2024 (October 1, 2023–September 30, 2024)",
    /// "as of July 21, 2024", "from January 1, 2021 to February 29, 2024".
    /// </summary>
    public static string Phrase(Period? p)
    {
        if (p is null || p.Kind == PeriodKind.Unspecified)
        {
            return "(the source gives no period)";
        }

        var (start, end) = (Start(p), End(p));
        switch (p.Kind)
        {
            case PeriodKind.FiscalYear when start is { } s && end is { } e:
                return IsYearToDate(p)
                    ? $"in fiscal year {p.FiscalYear} through {Day(e)} ({Range(s, e)}, a partial year)"
                    : $"in fiscal year {p.FiscalYear} ({Range(s, e)})";
            case PeriodKind.CalendarYear when end is { } e:
                return IsYearToDate(p) ? $"in calendar year {p.CalendarYear} through {Day(e)} (a partial year)" : $"in calendar year {p.CalendarYear}";
            case PeriodKind.FiscalQuarter when start is { } s && end is { } e:
                return $"in quarter {p.Quarter} of fiscal year {p.FiscalYear} ({Range(s, e)})";
            case PeriodKind.Month when start is { } s:
                return $"in {s.ToString("MMMM yyyy", Inv)}";
            case PeriodKind.AsOfDate when end is { } e:
                return $"as of {Day(e)}";
            case PeriodKind.DateRange when start is { } s && end is { } e:
                return $"from {Day(s)} to {Day(e)}";
            default:
                return IsOpen(p) ? "(no particular year)" : $"in {Short(p)}";
        }
    }

    public static string Day(DateOnly d) => d.ToString("MMMM d, yyyy", Inv);

    /// <summary>"October 1, 2023–September 30, 2024" (or "January 1–March 31, 2024" within one year).</summary>
    public static string Range(DateOnly s, DateOnly e) =>
        s.Year == e.Year ? $"{s.ToString("MMMM d", Inv)}–{Day(e)}" : $"{Day(s)}–{Day(e)}";

    /// <summary>A fiscal-year period.</summary>
    public static Period FiscalYear(int year) => new()
    {
        Kind = PeriodKind.FiscalYear,
        FiscalYear = year,
        StartDate = new DateOnly(year - 1, 10, 1).ToString("yyyy-MM-dd", Inv),
        EndDate = new DateOnly(year, 9, 30).ToString("yyyy-MM-dd", Inv),
        Label = $"FY{year}",
    };

    /// <summary>A calendar-year period.</summary>
    public static Period CalendarYear(int year) => new()
    {
        Kind = PeriodKind.CalendarYear,
        CalendarYear = year,
        StartDate = $"{year:D4}-01-01",
        EndDate = $"{year:D4}-12-31",
        Label = $"CY{year}",
    };

    /// <summary>The same kind of period one year earlier (fiscal and calendar years only).</summary>
    public static Period? PreviousYear(Period p) => p.Kind switch
    {
        PeriodKind.FiscalYear when p.FiscalYear > 0 && !IsYearToDate(p) => FiscalYear(p.FiscalYear - 1),
        PeriodKind.CalendarYear when p.CalendarYear > 0 && !IsYearToDate(p) => CalendarYear(p.CalendarYear - 1),
        _ => null,
    };

    /// <summary>The period's year for fiscal or calendar years; 0 otherwise.</summary>
    public static int Year(Period p) => p.Kind switch
    {
        PeriodKind.FiscalYear or PeriodKind.FiscalQuarter => p.FiscalYear,
        PeriodKind.CalendarYear or PeriodKind.Month => p.CalendarYear,
        _ => 0,
    };

    /// <summary>True when <paramref name="inner"/> lies within <paramref name="outer"/> (by days).</summary>
    public static bool Within(Period inner, Period outer) =>
        Start(inner) is { } s && End(inner) is { } e && Start(outer) is { } os && End(outer) is { } oe && s >= os && e <= oe;
}
