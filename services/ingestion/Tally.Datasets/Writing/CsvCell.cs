using System.Globalization;

namespace Tally.Datasets.Writing;

/// <summary>
/// Cells of any CSV Tally writes: RFC 4180 quoting, and formula neutralisation. A spreadsheet opening the file runs a
/// cell that starts with '=', '+', '-' or '@' (or a tab or carriage return, which some strip before looking) as a
/// formula ("CSV injection": <c>=HYPERLINK(…)</c>, DDE); such a cell is written with a leading apostrophe, which
/// spreadsheets show as text. A cell that is a number (-12, +3.5, -1,234, -1e5) stays as it is, so negative values
/// remain numeric.
/// </summary>
public static class CsvCell
{
    /// <summary>The cell's text with a leading apostrophe when a spreadsheet would read it as a formula.</summary>
    public static string Neutralise(string? value)
    {
        if (string.IsNullOrEmpty(value) || value[0] is not ('=' or '+' or '-' or '@' or '\t' or '\r'))
        {
            return value ?? "";
        }

        return IsNumber(value) ? value : "'" + value;
    }

    /// <summary>The cell as written into a CSV line: neutralised, then quoted when it holds a comma, quote or line break.</summary>
    public static string Format(string? value)
    {
        var text = Neutralise(value);
        return text.AsSpan().IndexOfAny(',', '"', '\n') >= 0 || text.Contains('\r', StringComparison.Ordinal)
            ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : text;
    }

    private static bool IsNumber(string value) =>
        double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent | NumberStyles.AllowThousands,
            CultureInfo.InvariantCulture, out var number) && double.IsFinite(number);
}
