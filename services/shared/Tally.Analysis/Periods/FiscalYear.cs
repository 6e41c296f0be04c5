namespace Tally.Analysis;

/// <summary>
/// A US federal fiscal year: FY N runs from October 1 of year N-1 through September 30 of year N
/// (FY2024 = 2023-10-01 … 2024-09-30). Quarters are fiscal: Q1 = October–December of year N-1.
/// </summary>
public readonly record struct FiscalYear : IComparable<FiscalYear>
{
    public FiscalYear(int year)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(year, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(year, 9999);
        Year = year;
    }

    /// <summary>The fiscal year's number (the calendar year it ends in).</summary>
    public int Year { get; }

    /// <summary>October 1 of the previous calendar year.</summary>
    public DateOnly Start => new(Year - 1, 10, 1);

    /// <summary>September 30 of <see cref="Year"/> (inclusive).</summary>
    public DateOnly End => new(Year, 9, 30);

    /// <summary>The fiscal year that contains <paramref name="date"/>.</summary>
    public static FiscalYear Of(DateOnly date) => new(date.Month >= 10 ? date.Year + 1 : date.Year);

    /// <summary>The fiscal quarter (1–4) that contains <paramref name="date"/>.</summary>
    public static int QuarterOf(DateOnly date) => ((date.Month + 2) % 12 / 3) + 1;

    public bool Contains(DateOnly date) => date >= Start && date <= End;

    /// <summary>First and last day (inclusive) of fiscal quarter <paramref name="quarter"/> (1–4).</summary>
    public (DateOnly Start, DateOnly End) Quarter(int quarter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quarter, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quarter, 4);
        var start = Start.AddMonths(3 * (quarter - 1));
        return (start, start.AddMonths(3).AddDays(-1));
    }

    /// <summary>
    /// The first <paramref name="months"/> months of this fiscal year (year-to-date partial period), inclusive bounds.
    /// </summary>
    public (DateOnly Start, DateOnly End) FirstMonths(int months)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(months, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(months, 12);
        return (Start, Start.AddMonths(months).AddDays(-1));
    }

    /// <summary>
    /// The parts of each fiscal year that fall inside [from, to] (inclusive), in order.
    /// </summary>
    public static IReadOnlyList<PeriodSlice> Overlaps(DateOnly from, DateOnly to)
    {
        if (to < from)
        {
            throw new ArgumentException($"The range end {to:yyyy-MM-dd} is before its start {from:yyyy-MM-dd}.", nameof(to));
        }

        var slices = new List<PeriodSlice>(2);
        for (var fy = Of(from); fy.Start <= to; fy = new FiscalYear(fy.Year + 1))
        {
            var sliceFrom = fy.Start > from ? fy.Start : from;
            var sliceTo = fy.End < to ? fy.End : to;
            slices.Add(new PeriodSlice(fy.Year, PeriodBasis.Fiscal, sliceFrom, sliceTo));
        }

        return slices;
    }

    /// <summary>
    /// How calendar year <paramref name="calendarYear"/> splits across fiscal years:
    /// CY2024 = January–September of FY2024 (9 months) + October–December of FY2025 (3 months).
    /// </summary>
    public static IReadOnlyList<PeriodSlice> OverlapWithCalendarYear(int calendarYear) =>
        Overlaps(new DateOnly(calendarYear, 1, 1), new DateOnly(calendarYear, 12, 31));

    /// <summary>
    /// How this fiscal year splits across calendar years:
    /// FY2024 = October–December 2023 (3 months) + January–September 2024 (9 months).
    /// </summary>
    public IReadOnlyList<PeriodSlice> CalendarYears() =>
    [
        new PeriodSlice(Year - 1, PeriodBasis.Calendar, Start, new DateOnly(Year - 1, 12, 31)),
        new PeriodSlice(Year, PeriodBasis.Calendar, new DateOnly(Year, 1, 1), End),
    ];

    public int CompareTo(FiscalYear other) => Year.CompareTo(other.Year);

    public static bool operator <(FiscalYear left, FiscalYear right) => left.Year < right.Year;

    public static bool operator >(FiscalYear left, FiscalYear right) => left.Year > right.Year;

    public static bool operator <=(FiscalYear left, FiscalYear right) => left.Year <= right.Year;

    public static bool operator >=(FiscalYear left, FiscalYear right) => left.Year >= right.Year;

    /// <summary>"FY2024".</summary>
    public override string ToString() => $"FY{Year}";
}

/// <summary>
/// The part of a year (fiscal or calendar, per <see cref="Basis"/>) between <see cref="From"/> and
/// <see cref="To"/>, both inclusive.
/// </summary>
public readonly record struct PeriodSlice(int Year, PeriodBasis Basis, DateOnly From, DateOnly To)
{
    /// <summary>Number of days, inclusive.</summary>
    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>Calendar months touched (a slice from Jan 1 to Sep 30 is 9).</summary>
    public int Months => ((To.Year * 12) + To.Month) - ((From.Year * 12) + From.Month) + 1;

    /// <summary>"FY2025" or "CY2024".</summary>
    public string Label => (Basis == PeriodBasis.Fiscal ? "FY" : "CY") + Year.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
