using System.Text;
using Tally.Datasets.Specs;

namespace Tally.Datasets.Reading;

/// <summary>Finds a table's header row and maps the spec's columns to cell positions.</summary>
internal static class HeaderMatcher
{
    /// <summary>Header text compared ignoring case, spacing, underscores and punctuation: "Book Out  Date" = "book_out_date".</summary>
    public static string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var ch in text.Trim().TrimStart('\uFEFF'))
        {
            if (char.IsLetterOrDigit(ch))
            {
                if (space && sb.Length > 0)
                {
                    sb.Append(' ');
                }

                sb.Append(char.ToLowerInvariant(ch));
                space = false;
            }
            else
            {
                space = true;
            }
        }

        return sb.ToString();
    }

    /// <summary>How many of the table's columns a row names (used to detect the header below banner rows).</summary>
    public static int Matches(TableSpec table, IReadOnlyList<string> cells)
    {
        var names = cells.Select(Normalize).ToHashSet(StringComparer.Ordinal);
        return table.Columns.Count(c => names.Contains(Normalize(c.Header)));
    }

    /// <summary>A row is the header when it names every column of the table.</summary>
    public static bool IsHeader(TableSpec table, IReadOnlyList<string> cells) => Matches(table, cells) == table.Columns.Length;

    /// <summary>Cell index of each spec column, or an error naming the missing ones and what the header has.</summary>
    public static int[] Bind(TableSpec table, IReadOnlyList<string> header, string where)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            positions.TryAdd(Normalize(header[i]), i);
        }

        var map = new int[table.Columns.Length];
        var missing = new List<string>();
        for (var i = 0; i < table.Columns.Length; i++)
        {
            var c = table.Columns[i];
            if (positions.TryGetValue(Normalize(c.Header), out var at))
            {
                map[i] = at;
            }
            else
            {
                missing.Add(c.Header == c.Name ? $"'{c.Name}'" : $"'{c.Name}' (header '{c.Header}')");
            }
        }

        if (missing.Count > 0)
        {
            var found = header.Where(h => h.Trim().Length > 0).Select(h => $"'{h.Trim()}'");
            throw new DatasetFormatException(
                $"{where}: the spec of table '{table.Name}' names column(s) {string.Join(", ", missing)} that the header does not have. " +
                $"The header has: {string.Join(", ", found)}. Fix the spec (name or header of the column) or the file; nothing was stored.");
        }

        return map;
    }
}
