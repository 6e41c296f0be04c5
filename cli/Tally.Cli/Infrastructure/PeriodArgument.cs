using System.Globalization;
using System.Text.RegularExpressions;
using Tally.Common.V1;

namespace Tally.Cli.Infrastructure;

/// <summary>
/// Periods as written on the command line: FY2024, CY2024, "FY2024 Q2" (or FY2024Q2), 2024-07 (a month),
/// 2024-07-21 (a stock's as-of date). A bare "2024" is refused: fiscal and calendar years differ.
/// </summary>
internal static partial class PeriodArgument
{
    public const string Help = "FY2024, CY2024, FY2024Q2, 2024-07 or 2024-07-21";

    public static Period Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        Match m;
        if ((m = FiscalYear().Match(t)).Success)
        {
            var year = Year(m, text);
            if (m.Groups["q"].Success)
            {
                var quarter = int.Parse(m.Groups["q"].Value, CultureInfo.InvariantCulture);
                if (quarter is < 1 or > 4)
                {
                    throw new CliUsageException($"period '{text}': a fiscal quarter is Q1 to Q4");
                }
                var start = new DateOnly(year - 1, 10, 1).AddMonths(3 * (quarter - 1));
                return new Period
                {
                    Kind = PeriodKind.FiscalQuarter, FiscalYear = year, Quarter = quarter,
                    StartDate = Iso(start), EndDate = Iso(start.AddMonths(3).AddDays(-1)), Label = $"FY{year} Q{quarter}",
                };
            }
            return new Period
            {
                Kind = PeriodKind.FiscalYear, FiscalYear = year,
                StartDate = Iso(new DateOnly(year - 1, 10, 1)), EndDate = Iso(new DateOnly(year, 9, 30)), Label = $"FY{year}",
            };
        }
        if ((m = CalendarYear().Match(t)).Success)
        {
            var year = Year(m, text);
            return new Period
            {
                Kind = PeriodKind.CalendarYear, CalendarYear = year,
                StartDate = Iso(new DateOnly(year, 1, 1)), EndDate = Iso(new DateOnly(year, 12, 31)), Label = $"CY{year}",
            };
        }
        if (DateOnly.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return new Period { Kind = PeriodKind.AsOfDate, StartDate = Iso(day), EndDate = Iso(day), Label = $"as of {Iso(day)}" };
        }
        if (DateOnly.TryParseExact(t + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            return new Period
            {
                Kind = PeriodKind.Month, CalendarYear = month.Year, Month = month.Month,
                StartDate = Iso(month), EndDate = Iso(month.AddMonths(1).AddDays(-1)), Label = month.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            };
        }
        if (BareYear().IsMatch(t))
        {
            throw new CliUsageException($"period '{text}' is ambiguous: write FY{t} (US federal fiscal year, Oct-Sep) or CY{t} (calendar year)");
        }
        throw new CliUsageException($"period '{text}' is not understood; write {Help}");
    }

    /// <summary>The span from the start of <paramref name="from"/> to the end of <paramref name="to"/> (either may be null).</summary>
    public static Period Range(string? from, string? to)
    {
        var start = from is null ? null : Parse(from);
        var end = to is null ? null : Parse(to);
        if (start is not null && end is not null && string.CompareOrdinal(start.StartDate, end.EndDate) > 0)
        {
            throw new CliUsageException($"--from {from} starts after --to {to} ends");
        }
        return new Period
        {
            Kind = PeriodKind.DateRange,
            StartDate = start?.StartDate ?? "",
            EndDate = end?.EndDate ?? "",
            Label = $"{start?.Label ?? "…"}-{end?.Label ?? "…"}",
        };
    }

    private static int Year(Match m, string text)
    {
        var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
        return year is >= 1900 and <= 2100 ? year : throw new CliUsageException($"period '{text}': year {year} is out of range");
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?:FY|fiscal\s*)(?<y>\d{4})(?:\s*-?\s*Q(?<q>\d))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FiscalYear();

    [GeneratedRegex(@"^(?:CY|calendar\s*)(?<y>\d{4})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CalendarYear();

    [GeneratedRegex(@"^\d{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex BareYear();
}
