namespace Tally.Analysis;

/// <summary>What kind of time reference a <see cref="PeriodMention"/> is.</summary>
public enum PeriodKind
{
    /// <summary>A US federal fiscal year ("FY2024", "fiscal year 2024", "FY24"). Normalised "FY2024".</summary>
    FiscalYear,

    /// <summary>A calendar year ("calendar year 2024", "CY2024", "in 2024" — the last with BasisAmbiguous). Normalised "CY2024".</summary>
    CalendarYear,

    /// <summary>A quarter, fiscal ("Q1 FY2024" → "FY2024-Q1") or calendar ("Q1 2024" → "CY2024-Q1").</summary>
    Quarter,

    /// <summary>A calendar month ("March 2024", "in October 2023"). Normalised "2024-03".</summary>
    Month,

    /// <summary>A single date ("July 21, 2024", "7/21/2024") not introduced by "as of". Normalised "2024-07-21".</summary>
    Day,

    /// <summary>A stock date ("as of July 21, 2024"): the figure is a count on that date, not a flow. Normalised "asof:2024-07-21".</summary>
    AsOfDate,

    /// <summary>A closed range ("2018–2024", "from 2018 to 2024", "FY2018-FY2024"). Normalised "CY2018..CY2024".</summary>
    Range,

    /// <summary>An open range from a point ("since 2014"). Normalised "CY2014..".</summary>
    Since,

    /// <summary>An annual flow with no specific year ("annually", "each year", "per year", "a year"). Normalised "annual".</summary>
    Annual,

    /// <summary>Recent, unspecified ("in recent years", "lately"). Normalised "recent".</summary>
    Recent,

    /// <summary>The first N months of a year ("first five months of the fiscal year", "fiscal year to date"). Normalised "FY2024:first-5-months" or "FY?:first-5-months".</summary>
    YearToDate,

    /// <summary>A trailing window ending today ("the past year", "the last 12 months", "the past five years"). Normalised "trailing:12m".</summary>
    Trailing,
}

/// <summary>Whether a period is counted in federal fiscal years or calendar years.</summary>
public enum PeriodBasis
{
    /// <summary>Not applicable or not stated (dates, "annually", "recent").</summary>
    Unspecified,

    /// <summary>Calendar year, January–December.</summary>
    Calendar,

    /// <summary>US federal fiscal year, October–September.</summary>
    Fiscal,
}

/// <summary>
/// One time reference found in text, with its span in that text and a normalised value.
/// <see cref="From"/>/<see cref="To"/> are inclusive bounds when they are known; <see cref="To"/> is null for
/// open ranges ("since 2014") and both are null when the text does not pin the period down ("annually",
/// "the first five months of the then-current fiscal year").
/// </summary>
public sealed record PeriodMention
{
    public required PeriodKind Kind { get; init; }

    /// <summary>Where the mention is in the parsed text, including a leading preposition ("in 2024").</summary>
    public required TextSpan Span { get; init; }

    /// <summary>The mention's text exactly as written.</summary>
    public required string Text { get; init; }

    /// <summary>Canonical value, e.g. "FY2024", "CY2024", "2024-03", "asof:2024-07-21", "CY2018..CY2024", "annual".</summary>
    public required string Normalized { get; init; }

    public PeriodBasis Basis { get; init; }

    /// <summary>
    /// True for plain years ("in 2024", "during 2024", "2018–2024", "last year"): read as calendar years, but
    /// newsroom users often mean the fiscal year, so the answer should say which basis it used.
    /// </summary>
    public bool BasisAmbiguous { get; init; }

    public DateOnly? From { get; init; }

    public DateOnly? To { get; init; }

    /// <summary>For <see cref="PeriodKind.YearToDate"/> and <see cref="PeriodKind.Trailing"/>: the window length in months.</summary>
    public int? Months { get; init; }

    /// <summary>True when the value was resolved relative to the reference date ("last year", "as of May 29").</summary>
    public bool Relative { get; init; }

    /// <summary>True when the period denotes a point in time: a stock, not a flow.</summary>
    public bool IsStock => Kind == PeriodKind.AsOfDate;

    /// <summary>Why the text was read this way, for explanations.</summary>
    public required string Reason { get; init; }
}
