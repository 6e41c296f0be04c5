using System.Globalization;
using Tally.Analysis;
using Tally.Catalog.Model;
using Period = Tally.Common.V1.Period;
using ProtoPeriodKind = Tally.Common.V1.PeriodKind;

namespace Tally.Ingestion.Figures;

/// <summary>Turns the catalog's period grammar and the text analyser's period mentions into proto <see cref="Period"/>s.</summary>
internal static class Periods
{
    public static Period FromCatalog(CatalogPeriod period)
    {
        var p = new Period { StartDate = Date(period.Start), EndDate = Date(period.End), YearToDate = period.YearToDate, Label = period.Text };
        switch (period.Basis)
        {
            case Catalog.Model.PeriodBasis.UsFederalFiscalYear:
                p.Kind = ProtoPeriodKind.FiscalYear;
                p.FiscalYear = FiscalYearOf(period.Start!.Value);
                break;
            case Catalog.Model.PeriodBasis.CalendarYear:
                p.Kind = ProtoPeriodKind.CalendarYear;
                p.CalendarYear = period.Start!.Value.Year;
                break;
            case Catalog.Model.PeriodBasis.Month:
                p.Kind = ProtoPeriodKind.Month;
                p.CalendarYear = period.Start!.Value.Year;
                p.Month = period.Start.Value.Month;
                break;
            case Catalog.Model.PeriodBasis.AsOfDate:
                p.Kind = ProtoPeriodKind.AsOfDate;
                p.Label = "as of " + period.Text;
                break;
            case Catalog.Model.PeriodBasis.MultiYear:
                p.Kind = ProtoPeriodKind.DateRange;
                p.Label = period.Text.Replace("..", "-", StringComparison.Ordinal);
                break;
            case Catalog.Model.PeriodBasis.DateRange:
                p.Kind = ProtoPeriodKind.DateRange;
                break;
            default:
                p.Kind = ProtoPeriodKind.Unspecified; // the source gives no period: "no period given"
                break;
        }

        return p;
    }

    /// <summary>The proto period of a mention, or null when the text does not pin it down ("annually", "recent years").</summary>
    public static Period? FromMention(PeriodMention mention)
    {
        var from = mention.From;
        var to = mention.To;
        switch (mention.Kind)
        {
            case Analysis.PeriodKind.FiscalYear when to is { } end:
                return new Period { Kind = ProtoPeriodKind.FiscalYear, FiscalYear = end.Year, StartDate = Date(from), EndDate = Date(to), Label = $"FY{end.Year}" };
            case Analysis.PeriodKind.CalendarYear when from is { } start:
                return new Period { Kind = ProtoPeriodKind.CalendarYear, CalendarYear = start.Year, StartDate = Date(from), EndDate = Date(to), Label = $"CY{start.Year}" };
            case Analysis.PeriodKind.Quarter when from is { } start && mention.Basis == Analysis.PeriodBasis.Fiscal:
                var fy = FiscalYearOf(start);
                var quarter = FiscalYear.QuarterOf(start);
                return new Period { Kind = ProtoPeriodKind.FiscalQuarter, FiscalYear = fy, Quarter = quarter, StartDate = Date(from), EndDate = Date(to), Label = $"FY{fy} Q{quarter}" };
            case Analysis.PeriodKind.Quarter when from is not null && to is not null:
                return new Period { Kind = ProtoPeriodKind.DateRange, StartDate = Date(from), EndDate = Date(to), Label = mention.Normalized };
            case Analysis.PeriodKind.Month when from is { } start:
                return new Period
                {
                    Kind = ProtoPeriodKind.Month, CalendarYear = start.Year, Month = start.Month, StartDate = Date(from), EndDate = Date(to),
                    Label = start.ToString("yyyy-MM", CultureInfo.InvariantCulture),
                };
            case Analysis.PeriodKind.Day or Analysis.PeriodKind.AsOfDate when from is { } day:
                return new Period { Kind = ProtoPeriodKind.AsOfDate, StartDate = Date(day), EndDate = Date(day), Label = "as of " + Date(day) };
            case Analysis.PeriodKind.Range or Analysis.PeriodKind.Since when from is not null:
                return new Period { Kind = ProtoPeriodKind.DateRange, StartDate = Date(from), EndDate = Date(to), Label = mention.Normalized };
            case Analysis.PeriodKind.YearToDate when from is { } start && to is not null && mention.Basis == Analysis.PeriodBasis.Fiscal:
                var year = FiscalYearOf(start);
                return new Period { Kind = ProtoPeriodKind.FiscalYear, FiscalYear = year, YearToDate = true, StartDate = Date(from), EndDate = Date(to), Label = $"FY{year} through {to:yyyy-MM}" };
            case Analysis.PeriodKind.YearToDate when from is { } start && to is not null:
                return new Period { Kind = ProtoPeriodKind.CalendarYear, CalendarYear = start.Year, YearToDate = true, StartDate = Date(from), EndDate = Date(to), Label = $"CY{start.Year} through {to:yyyy-MM}" };
            default:
                return null;
        }
    }

    /// <summary>The first mention that resolves to a period, or null.</summary>
    public static (PeriodMention Mention, Period Period)? FirstResolved(IEnumerable<PeriodMention> mentions)
    {
        foreach (var mention in mentions)
        {
            if (FromMention(mention) is { } period)
            {
                return (mention, period);
            }
        }

        return null;
    }

    private static int FiscalYearOf(DateOnly date) => date.Month >= 10 ? date.Year + 1 : date.Year;

    private static string Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";
}
