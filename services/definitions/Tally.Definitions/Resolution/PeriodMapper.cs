using System.Globalization;
using Tally.Analysis;
using Tally.Common.V1;

namespace Tally.Definitions.Resolution;

/// <summary>Period mentions (Tally.Analysis) as contract periods (tally.common.v1.Period).</summary>
internal static class PeriodMapper
{
    public static Period? ToProto(PeriodMention mention)
    {
        ArgumentNullException.ThrowIfNull(mention);
        if (mention.From is not { } from)
        {
            return null;
        }

        var to = mention.To;
        var period = new Period
        {
            StartDate = Date(from),
            EndDate = to is { } end ? Date(end) : string.Empty,
            YearToDate = mention.Kind == Tally.Analysis.PeriodKind.YearToDate,
            Label = mention.Normalized,
        };
        switch (mention.Kind)
        {
            case Tally.Analysis.PeriodKind.FiscalYear:
                period.Kind = Tally.Common.V1.PeriodKind.FiscalYear;
                period.FiscalYear = FiscalYear.Of(from).Year;
                break;
            case Tally.Analysis.PeriodKind.CalendarYear:
                period.Kind = Tally.Common.V1.PeriodKind.CalendarYear;
                period.CalendarYear = from.Year;
                break;
            case Tally.Analysis.PeriodKind.Quarter when mention.Basis == Tally.Analysis.PeriodBasis.Fiscal:
                period.Kind = Tally.Common.V1.PeriodKind.FiscalQuarter;
                period.FiscalYear = FiscalYear.Of(from).Year;
                period.Quarter = FiscalYear.QuarterOf(from);
                break;
            case Tally.Analysis.PeriodKind.Month:
                period.Kind = Tally.Common.V1.PeriodKind.Month;
                period.CalendarYear = from.Year;
                period.Month = from.Month;
                break;
            case Tally.Analysis.PeriodKind.AsOfDate or Tally.Analysis.PeriodKind.Day:
                period.Kind = Tally.Common.V1.PeriodKind.AsOfDate;
                period.EndDate = period.StartDate;
                period.Label = "as of " + Date(from);
                break;
            case Tally.Analysis.PeriodKind.YearToDate when mention.Basis == Tally.Analysis.PeriodBasis.Fiscal:
                period.Kind = Tally.Common.V1.PeriodKind.FiscalYear;
                period.FiscalYear = FiscalYear.Of(from).Year;
                break;
            default:
                period.Kind = Tally.Common.V1.PeriodKind.DateRange;
                break;
        }

        return period;
    }

    /// <summary>Other readings: "in 2024" may mean FY2024.</summary>
    public static IEnumerable<Period> Alternatives(PeriodMention mention)
    {
        ArgumentNullException.ThrowIfNull(mention);
        if (mention is { Kind: Tally.Analysis.PeriodKind.CalendarYear, BasisAmbiguous: true, From: { } from })
        {
            var fy = new FiscalYear(from.Year);
            yield return new Period
            {
                Kind = Tally.Common.V1.PeriodKind.FiscalYear,
                FiscalYear = fy.Year,
                StartDate = Date(fy.Start),
                EndDate = Date(fy.End),
                Label = fy.ToString(),
            };
        }
    }

    /// <summary>The catalog's period vocabulary for a mention (glossary period values).</summary>
    public static string Concept(PeriodMention mention)
    {
        ArgumentNullException.ThrowIfNull(mention);
        return mention.Kind switch
        {
            Tally.Analysis.PeriodKind.AsOfDate or Tally.Analysis.PeriodKind.Day => "as_of_date",
            Tally.Analysis.PeriodKind.Month => "month",
            Tally.Analysis.PeriodKind.YearToDate => "year_to_date",
            Tally.Analysis.PeriodKind.Range or Tally.Analysis.PeriodKind.Since or Tally.Analysis.PeriodKind.Recent => "multi_year",
            _ when mention.Basis == Tally.Analysis.PeriodBasis.Fiscal => "us_federal_fiscal_year",
            Tally.Analysis.PeriodKind.Annual => "us_federal_fiscal_year",
            _ => "calendar_year",
        };
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
