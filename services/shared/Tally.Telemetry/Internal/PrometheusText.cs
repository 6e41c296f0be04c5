using System.Globalization;
using System.Text;

namespace Tally.Telemetry.Internal;

/// <summary>Names, escaping and number formatting of the Prometheus text format 0.0.4.</summary>
internal static class PrometheusText
{
    public static string FamilyName(string instrumentName, string? unit, MetricType type)
    {
        var name = SanitizeMetricName(instrumentName);
        if (type == MetricType.Counter && name.EndsWith("_total", StringComparison.Ordinal)) name = name[..^"_total".Length];
        var unitSuffix = unit switch { "s" => "_seconds", "ms" => "_milliseconds", "By" => "_bytes", _ => null };
        if (unitSuffix is not null && !name.EndsWith(unitSuffix, StringComparison.Ordinal)) name += unitSuffix;
        return type == MetricType.Counter ? name + "_total" : name;
    }

    /// <summary>Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; anything else becomes '_'.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>Label names: [a-zA-Z_][a-zA-Z0-9_]*, and never the reserved "__" prefix.</summary>
    public static string SanitizeLabelName(string name)
    {
        var sanitized = Sanitize(name, allowColon: false);
        return sanitized.StartsWith("__", StringComparison.Ordinal) ? "tag" + sanitized : sanitized;
    }

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0) return "_";
        var valid = true;
        foreach (var c in name)
        {
            if (!IsNameChar(c, allowColon)) { valid = false; break; }
        }
        if (valid && !char.IsAsciiDigit(name[0])) return name;
        var sb = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0])) sb.Append('_');
        foreach (var c in name) sb.Append(IsNameChar(c, allowColon) ? c : '_');
        return sb.ToString();
    }

    private static bool IsNameChar(char c, bool allowColon) =>
        char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');

    public static string EscapeHelp(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static void AppendLabelValue(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    public static string LabelValue(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string FormatValue(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Renders tags as the inside of a label set (<c>a="x",b="y"</c>): names sanitised and sorted, the first
    /// of any names that collide after sanitising kept. On histograms a tag named "le" becomes "tag_le".
    /// </summary>
    public static string Labels(KeyValuePair<string, object?>[] tags, bool histogram)
    {
        if (tags.Length == 0) return "";
        var pairs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var name = SanitizeLabelName(tag.Key);
            if (histogram && name == "le") name = "tag_le";
            pairs.TryAdd(name, LabelValue(tag.Value));
        }
        var sb = new StringBuilder();
        foreach (var (name, value) in pairs)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(name).Append("=\"");
            AppendLabelValue(sb, value);
            sb.Append('"');
        }
        return sb.ToString();
    }
}
