using System.Globalization;
using System.Reflection;
using Google.Protobuf.Reflection;
using Tally.Common.V1;

namespace Tally.Cli.Rendering;

/// <summary>How values, periods, qualifiers and enum names read in text output (invariant culture throughout).</summary>
internal static class Formats
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>271484 → "271,484"; 1234.5 → "1,234.5"; at most two decimals.</summary>
    public static string Number(double value) =>
        double.IsFinite(value) ? value.ToString(Math.Abs(value % 1) < 1e-9 ? "#,##0" : "#,##0.##", Invariant) : value.ToString(Invariant);

    /// <summary>
    /// A value as readers see it: the server's formatted text when it sent one, else the number in its unit
    /// ("271,484", "32.7%" for percent — the catalog stores shares in percent —, "$886,000,000").
    /// </summary>
    public static string Value(double value, string? unit, string? valueText)
    {
        if (!string.IsNullOrWhiteSpace(valueText))
        {
            return valueText;
        }
        return (unit ?? "").ToLowerInvariant() switch
        {
            "percent" => value.ToString("#,##0.#", Invariant) + "%",
            "ratio" => value.ToString("#,##0.###", Invariant),
            "usd" or "us_dollars" => "$" + Number(value),
            _ => Number(value),
        };
    }

    /// <summary>
    /// A published value written the way the recomputed result is ("32.7%" next to "32.7%", whether the source
    /// gave 0.327 or 32.7): the result's text fixes the scale, the unit sign and the number of decimals.
    /// </summary>
    public static string LikeResult(double published, double result, string resultText)
    {
        var text = (resultText ?? "").Trim();
        var percent = text.EndsWith('%');
        var digits = text.TrimEnd('%').Replace(",", "", StringComparison.Ordinal);
        if (!double.TryParse(digits, NumberStyles.Float, Invariant, out var shown) || result == 0 || shown == 0)
        {
            return Number(published);
        }
        var scale = Math.Abs(shown / result) > 10 ? 100.0 : 1.0;
        // The published value is on the result's scale, or (a share published as a percentage) already scaled.
        var value = Math.Abs(published * scale - shown) <= Math.Abs(published - shown) ? published * scale : published;
        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        var decimals = dot < 0 ? 0 : digits.Length - dot - 1;
        return value.ToString("#,##0" + (decimals > 0 ? "." + new string('0', decimals) : ""), Invariant) + (percent ? "%" : "");
    }

    /// <summary>The period's label when set, else one made from its fields ("FY2024", "as of 2024-07-21").</summary>
    public static string Period(Period? period)
    {
        if (period is null)
        {
            return "";
        }
        if (!string.IsNullOrWhiteSpace(period.Label))
        {
            return period.Label;
        }
        var label = period.Kind switch
        {
            PeriodKind.FiscalYear => $"FY{period.FiscalYear}",
            PeriodKind.CalendarYear => $"CY{period.CalendarYear}",
            PeriodKind.FiscalQuarter => $"FY{period.FiscalYear} Q{period.Quarter}",
            PeriodKind.Month => $"{period.CalendarYear:D4}-{period.Month:D2}",
            PeriodKind.AsOfDate => $"as of {period.EndDate}",
            _ when period.StartDate.Length > 0 || period.EndDate.Length > 0 => $"{period.StartDate} to {period.EndDate}".Trim(),
            _ => "",
        };
        return period.YearToDate && period.EndDate.Length > 0 ? $"{label} (to {period.EndDate})" : label;
    }

    /// <summary>"exact", "nearly", "more than", …; empty when not stated.</summary>
    public static string Qualifier(Qualifier qualifier) => qualifier switch
    {
        Common.V1.Qualifier.Unspecified => "",
        Common.V1.Qualifier.Exact => "exact",
        Common.V1.Qualifier.Approximately => "approximately",
        Common.V1.Qualifier.AtLeast => "at least",
        Common.V1.Qualifier.MoreThan => "more than",
        Common.V1.Qualifier.FewerThan => "fewer than",
        Common.V1.Qualifier.AtMost => "at most",
        Common.V1.Qualifier.Nearly => "nearly",
        _ => ProtoName(qualifier).ToLowerInvariant(),
    };

    /// <summary>"[1] [3]" for citation numbers; empty when none.</summary>
    public static string Citations(IEnumerable<int> numbers) => string.Join(' ', numbers.Select(n => $"[{n}]"));

    /// <summary>"criminality=convicted, agency=ICE"; empty when none.</summary>
    public static string Dimensions(IEnumerable<Dimension> dimensions) => string.Join(", ", dimensions.Select(d => $"{d.Key}={d.Value}"));

    /// <summary>"id @ v3" (or just the id when the version is 0).</summary>
    public static string MetricRef(string metricId, int version) => version > 0 ? $"{metricId} @ v{version}" : metricId;

    /// <summary>The enum value's name as the .proto spells it ("PERIOD_BASIS", "ANSWERED"); the number for values this build does not know.</summary>
    public static string ProtoName<T>(T value) where T : struct, Enum
    {
        var field = typeof(T).GetField(value.ToString(), BindingFlags.Public | BindingFlags.Static);
        return field?.GetCustomAttribute<OriginalNameAttribute>()?.Name
            ?? Convert.ToInt32(value, Invariant).ToString(Invariant);
    }

    /// <summary>"PERIOD_BASIS" → "period basis", for prose.</summary>
    public static string Words<T>(T value) where T : struct, Enum => ProtoName(value).Replace('_', ' ').ToLowerInvariant();
}
