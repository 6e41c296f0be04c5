using System.Globalization;
using Tally.Datasets.Reading;
using Tally.Datasets.Specs;

namespace Tally.Datasets.Loading;

/// <summary>Why a row does not fit its table: the column at fault (null for the row as a whole), a code and a reason.</summary>
internal readonly record struct RowError(string? Column, string Code, string Reason);

/// <summary>
/// Converts a row's cells to typed values by the spec: long for int, double for decimal, ISO text for dates,
/// the spec's spelling for enums, trimmed text for strings; empty cells are null.
/// </summary>
internal sealed class RowConverter
{
    private readonly TableSpec _table;
    private readonly int[] _map;
    private readonly Dictionary<string, string>[] _enums;
    private readonly HashSet<string>[] _exact;
    private readonly Dictionary<int, string> _isoText = [];

    /// <summary>Distinct dates whose ISO text is kept (about 55 years of days; more are formatted each time).</summary>
    private const int MaxCachedDates = 20_000;

    public RowConverter(TableSpec table, int[] map)
    {
        _table = table;
        _map = map;
        _enums = [.. table.Columns.Select(c => c.AllowedValues
            .Where(v => v.Length > 0)
            .GroupBy(v => HeaderMatcher.Normalize(v))
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal))];
        _exact = [.. table.Columns.Select(c => c.AllowedValues.Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal))];
    }

    public bool TryConvert(IRowReader row, object?[] values, out RowError error)
    {
        for (var i = 0; i < _map.Length; i++)
        {
            var column = _table.Columns[i];
            var text = row.Cell(_map[i]).Trim();
            if (text.Length == 0)
            {
                if (column.Required)
                {
                    error = new RowError(column.Name, "MISSING_REQUIRED", $"'{column.Name}' is required but empty");
                    return false;
                }

                values[i] = null;
                continue;
            }

            switch (column.Type)
            {
                case ColumnType.Int:
                    if (!TryParseInt(text, out var l))
                    {
                        error = new RowError(column.Name, "NOT_A_WHOLE_NUMBER", $"'{column.Name}' is not a whole number: '{Clip(text)}'");
                        return false;
                    }

                    values[i] = Box(l);
                    break;
                case ColumnType.Decimal:
                    if (!double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                    {
                        error = new RowError(column.Name, "NOT_A_NUMBER", $"'{column.Name}' is not a number: '{Clip(text)}'");
                        return false;
                    }

                    values[i] = d;
                    break;
                case ColumnType.Date:
                    if (!TryParseDate(text, column, out var date, out var iso))
                    {
                        error = new RowError(column.Name, "UNPARSABLE_DATE",
                            $"'{column.Name}' is not a date in the format{(column.DateFormats.Length > 1 ? "s" : "")} {string.Join(" or ", column.DateFormats)}: '{Clip(text)}'");
                        return false;
                    }

                    // An ISO date cell already spells the date as stored; any other (a date-time, another format) takes the
                    // date's ISO text from a cache, so a file's repeated dates share one string instead of one each.
                    values[i] = iso && text.Length == 10 ? text : IsoText(date);
                    break;
                case ColumnType.Enum:
                    if (_exact[i].TryGetValue(text, out var exact))
                    {
                        values[i] = exact; // the spec's own string: one instance for every row
                        break;
                    }

                    if (!_enums[i].TryGetValue(HeaderMatcher.Normalize(text), out var canonical))
                    {
                        error = new RowError(column.Name, "NOT_ALLOWED_VALUE",
                            $"'{column.Name}' is '{Clip(text)}', which is not one of the spec's values ({string.Join(", ", column.AllowedValues.Where(v => v.Length > 0).Take(12))}{(column.AllowedValues.Length > 12 ? ", ..." : "")}); add it to the spec if it is genuine");
                        return false;
                    }

                    values[i] = canonical;
                    break;
                default:
                    values[i] = text;
                    break;
            }
        }

        error = default;
        return true;
    }

    private string IsoText(DateOnly date)
    {
        if (_isoText.TryGetValue(date.DayNumber, out var text))
        {
            return text;
        }

        text = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (_isoText.Count < MaxCachedDates)
        {
            _isoText[date.DayNumber] = text;
        }

        return text;
    }

    /// <summary>Boxed 0 … 4095, made once: years and small counts repeat on every row and need no allocation each.</summary>
    private static readonly object[] SmallInts = Enumerable.Range(0, 4096).Select(n => (object)(long)n).ToArray();

    internal static object Box(long value) => (ulong)value < (ulong)SmallInts.Length ? SmallInts[value] : value;

    internal static bool TryParseInt(string text, out long value)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        // "1,234" (thousands separators) and Excel's "1234.0" / "1.2E3" when the number is whole.
        if (double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < 9e15
            && (!text.Contains(',', StringComparison.Ordinal) || ThousandsOk(text)))
        {
            value = (long)d;
            return true;
        }

        value = 0;
        return false;
    }

    private static bool ThousandsOk(string text)
    {
        var digits = text.TrimStart('-', '+');
        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? digits : digits[..dot];
        var groups = whole.Split(',');
        return groups[0].Length is >= 1 and <= 3 && groups.Skip(1).All(g => g.Length == 3);
    }

    private static bool TryParseDate(string text, ColumnSpec column, out DateOnly date, out bool isIso)
    {
        // Fast path for ISO dates (and ISO date-times when a format allows them): most files, and every workbook cell.
        date = default;
        var isoShape = text.Length == 10
            ? column.DateFormats[0] == "yyyy-MM-dd"
            : text.Length == 19 && text[10] == 'T' && column.DateFormats[0] == "yyyy-MM-dd'T'HH:mm:ss";
        isIso = isoShape && TryIso(text, out date);
        if (isIso)
        {
            return true;
        }

        foreach (var format in column.DateFormats)
        {
            if (DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var dt))
            {
                date = DateOnly.FromDateTime(dt);
                return true;
            }
        }

        // Workbook cells typed as dates arrive as ISO text whatever the display format.
        if (DateTime.TryParseExact(text, ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var iso))
        {
            date = DateOnly.FromDateTime(iso);
            return true;
        }

        date = default;
        return false;
    }

    /// <summary>A date stored as ISO text ("yyyy-MM-dd"), parsed without the general parser.</summary>
    internal static bool TryIsoDate(string text, out DateOnly date)
    {
        date = default;
        return text.Length == 10 && TryIso(text, out date);
    }

    private static bool TryIso(string text, out DateOnly date)
    {
        date = default;
        if (text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4) || !Digits(text, 5, 2) || !Digits(text, 8, 2))
        {
            return false;
        }

        if (text.Length == 19 && (text[13] != ':' || text[16] != ':' || !Digits(text, 11, 2) || !Digits(text, 14, 2) || !Digits(text, 17, 2)
            || Num(text, 11, 2) > 23 || Num(text, 14, 2) > 59 || Num(text, 17, 2) > 59))
        {
            return false;
        }

        int year = Num(text, 0, 4), month = Num(text, 5, 2), day = Num(text, 8, 2);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    private static bool Digits(string s, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static int Num(string s, int start, int count)
    {
        var n = 0;
        for (var i = start; i < start + count; i++)
        {
            n = n * 10 + (s[i] - '0');
        }

        return n;
    }

    internal static string Clip(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
