using System.Globalization;
using System.Text;
using Tally.Datasets.Loading;
using Tally.Datasets.Reading;

namespace Tally.Datasets.Specs;

/// <summary>What inference saw in one column.</summary>
/// <param name="Samples">Up to five distinct example values.</param>
/// <param name="Notes">Observations a person turning the report into a spec should weigh.</param>
public sealed record InferredColumn(
    string Name,
    string Header,
    ColumnType Type,
    string? DateFormat,
    long NonEmpty,
    long Empty,
    int Distinct,
    IReadOnlyList<string> Samples,
    IReadOnlyList<string> Notes);

/// <summary>A spec inferred from a file, as YAML to save (catalog/datasets/NAME.yaml) and review, plus what it is based on.</summary>
public sealed record InferenceReport(
    string DatasetName,
    string TableName,
    string? Sheet,
    int HeaderRow,
    char? Delimiter,
    long RowsSampled,
    IReadOnlyList<InferredColumn> Columns,
    string SpecYaml,
    IReadOnlyList<string> Notes);

/// <summary>Infers column types (from samples), vintage and period columns from a file's first rows.</summary>
public static class SpecInference
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd", "M/d/yyyy", "MM/dd/yyyy", "d-MMM-yy", "d-MMM-yyyy", "yyyy-MM-dd'T'HH:mm:ss", "M/d/yyyy H:mm", "yyyy-MM-dd HH:mm:ss"];

    /// <summary>Locates the header among the first rows: the first row as wide as the widest row whose cells are all text.</summary>
    internal static int FindHeader(IReadOnlyList<string[]> rows)
    {
        var width = rows.Count == 0 ? 0 : rows.Max(r => r.Count(c => c.Trim().Length > 0));
        for (var i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].Where(c => c.Trim().Length > 0).ToList();
            if (cells.Count == width && cells.All(c => !double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            {
                return i;
            }
        }

        return rows.Select((r, i) => (r, i)).FirstOrDefault(x => x.r.Any(c => c.Trim().Length > 0)).i;
    }

    /// <summary>Builds a spec and report from a header and sample rows.</summary>
    public static InferenceReport Infer(
        string datasetName, string fileName, string? sheet, int headerRow, char? delimiter,
        IReadOnlyList<string> header, IReadOnlyList<string[]> rows, DatasetFileFormat format)
    {
        var tableName = Identifier(Path.GetFileNameWithoutExtension(fileName), "data");
        var used = new HashSet<string>(StringComparer.Ordinal);
        var columns = new List<InferredColumn>();
        for (var i = 0; i < header.Count; i++)
        {
            var head = header[i].Trim();
            if (head.Length == 0 && rows.All(r => i >= r.Length || r[i].Trim().Length == 0))
            {
                continue;
            }

            var name = Identifier(head, $"column_{i + 1}");
            for (var n = 2; !used.Add(name); n++)
            {
                // The suffix must fit in the 48 characters a column name may have (long headers sharing a prefix).
                var stem = Identifier(head, "column");
                var suffix = $"_{n}";
                name = (stem.Length + suffix.Length > MaxIdentifier ? stem[..(MaxIdentifier - suffix.Length)].TrimEnd('_') : stem) + suffix;
            }

            var values = rows.Select(r => i < r.Length ? r[i].Trim() : "").ToList();
            columns.Add(Column(name, head.Length == 0 ? name : head, values));
        }

        // A spec tells columns apart by header, compared ignoring case, spacing and punctuation ("Book Out" = "book_out").
        if (columns.GroupBy(c => HeaderMatcher.Normalize(c.Header)).FirstOrDefault(g => g.Count() > 1) is { } same)
        {
            throw new DatasetFormatException(
                $"'{fileName}' has columns whose headers read the same once case, spacing and punctuation are ignored " +
                $"({string.Join(", ", same.Select(c => Quote(c.Header)))}): rename them so that each column can be told apart, or upload a spec for the file.");
        }

        if (columns.Count == 0)
        {
            // Otherwise the spec below would declare no columns, and fail to parse with a message about YAML.
            throw new DatasetFormatException($"'{fileName}' has no column with a header or a value in its first rows: there is nothing to infer a spec from.");
        }

        var notes = new List<string>
        {
            $"Types come from the first {rows.Count:N0} data rows; rows further down that do not fit will be quarantined, so review the types.",
            "No column is marked required and no enum is declared: mark them where you know the data (a required column catches empty cells, an enum catches misspelt categories).",
        };

        var vintage = columns.FirstOrDefault(c => c.Type == ColumnType.Date && (c.Name.Contains("pull", StringComparison.Ordinal) || c.Name.Contains("vintage", StringComparison.Ordinal) || c.Name.Contains("extract", StringComparison.Ordinal) || c.Name.Contains("as_of", StringComparison.Ordinal)));
        var published = columns.FirstOrDefault(c => c != vintage && c.Type == ColumnType.Date && (c.Name.Contains("file_date", StringComparison.Ordinal) || c.Name.Contains("publish", StringComparison.Ordinal) || c.Name.Contains("release_date", StringComparison.Ordinal)));
        var fiscalYear = columns.FirstOrDefault(c => c.Type == ColumnType.Int && (c.Name is "fiscal_year" or "fy"));
        var periodDate = columns.FirstOrDefault(c => c.Type == ColumnType.Date && c != vintage && c != published && (c.Name is "date" or "month_date" or "period" or "period_start"));
        var month = columns.FirstOrDefault(c => c.Name == "month");
        notes.Add(vintage is null
            ? "No vintage column was recognised: every upload of this file is one vintage (label it with the upload's vintage). If the rows carry a data-pull date, declare it under vintage.date."
            : $"'{vintage.Name}' looks like the vintage (data pull) date{(published is null ? "" : $" and '{published.Name}' like the publication date")}.");

        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"# Inferred from {Quote(fileName)}{(sheet is null ? "" : $" sheet {Quote(sheet)}")} ({rows.Count:N0} sample rows). Review before use.\n");
        yaml.Append(CultureInfo.InvariantCulture, $"dataset: {datasetName}\n");
        yaml.Append("tables:\n");
        yaml.Append(CultureInfo.InvariantCulture, $"  - name: {tableName}\n");
        yaml.Append(CultureInfo.InvariantCulture, $"    files: [{Quote(fileName)}]\n");
        if (format != DatasetFileFormat.Auto)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"    format: {format.ToString().ToLowerInvariant()}\n");
        }

        if (sheet is not null)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"    sheet: {Quote(sheet)}\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $"    header_row: {headerRow}\n");
        yaml.Append("    columns:\n");
        foreach (var c in columns)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"      - {{name: {c.Name}");
            if (c.Header != c.Name)
            {
                yaml.Append(CultureInfo.InvariantCulture, $", header: {Quote(c.Header)}");
            }

            yaml.Append(CultureInfo.InvariantCulture, $", type: {c.Type.ToString().ToLowerInvariant()}");
            if (c.DateFormat is not null && c.DateFormat != "yyyy-MM-dd")
            {
                yaml.Append(CultureInfo.InvariantCulture, $", formats: [{Quote(c.DateFormat)}]");
            }

            yaml.Append("}\n");
        }

        if (vintage is not null)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"    vintage: {{date: {vintage.Name}{(published is null ? "" : $", published: {published.Name}")}}}\n");
        }

        if (fiscalYear is not null || periodDate is not null)
        {
            var parts = new List<string>();
            if (fiscalYear is not null)
            {
                parts.Add($"fiscal_year: {fiscalYear.Name}");
            }

            if (month is not null)
            {
                parts.Add($"month: {month.Name}");
            }

            if (periodDate is not null)
            {
                parts.Add($"date: {periodDate.Name}");
            }

            yaml.Append(CultureInfo.InvariantCulture, $"    period: {{{string.Join(", ", parts)}}}\n");
            if (fiscalYear is not null && periodDate is not null)
            {
                yaml.Append("    validation: {date_in_fiscal_year: true}\n");
            }
        }

        return new InferenceReport(datasetName, tableName, sheet, headerRow, delimiter, rows.Count, columns, yaml.ToString(), notes);
    }

    private static InferredColumn Column(string name, string header, List<string> values)
    {
        var nonEmpty = values.Where(v => v.Length > 0).ToList();
        var distinct = nonEmpty.Distinct(StringComparer.Ordinal).ToList();
        var notes = new List<string>();
        var type = ColumnType.String;
        string? dateFormat = null;
        if (nonEmpty.Count > 0)
        {
            if (nonEmpty.All(v => RowConverter.TryParseInt(v, out _)))
            {
                type = ColumnType.Int;
            }
            else if (nonEmpty.All(v => double.TryParse(v, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)))
            {
                type = ColumnType.Decimal;
            }
            else if (DateFormats.FirstOrDefault(f => nonEmpty.All(v => DateTime.TryParseExact(v, f, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))) is { } format)
            {
                type = ColumnType.Date;
                dateFormat = format;
                if (format.Contains('H', StringComparison.Ordinal))
                {
                    notes.Add("values carry a time of day; a date column keeps the date only");
                }
            }
        }
        else
        {
            notes.Add("empty in every sampled row");
        }

        if (type == ColumnType.String && distinct.Count is > 0 and <= 25 && nonEmpty.Count >= 4 * distinct.Count)
        {
            notes.Add($"looks like a category ({distinct.Count} distinct values); consider 'type: enum' with values [{string.Join(", ", distinct.Take(25).Select(Quote))}]");
        }

        if (nonEmpty.Count == values.Count && values.Count > 0)
        {
            notes.Add("never empty in the sample; consider 'required: true'");
        }

        return new InferredColumn(name, header, type, dateFormat, nonEmpty.Count, values.Count - nonEmpty.Count, distinct.Count, distinct.Take(5).ToList(), notes);
    }

    internal static string Identifier(string text, string fallback)
    {
        var sb = new StringBuilder();
        foreach (var ch in HeaderMatcher.Normalize(text))
        {
            sb.Append(ch == ' ' ? '_' : ch is >= 'a' and <= 'z' or >= '0' and <= '9' ? ch : '_');
        }

        var id = sb.ToString().Trim('_');
        if (id.Length == 0)
        {
            return fallback;
        }

        if (!char.IsAsciiLetterLower(id[0]))
        {
            id = "c_" + id;
        }

        return id.Length > MaxIdentifier ? id[..MaxIdentifier].TrimEnd('_') : id;
    }

    /// <summary>Longest table or column name a spec accepts.</summary>
    private const int MaxIdentifier = 48;

    /// <summary>
    /// A YAML scalar holding exactly <paramref name="text"/>: single-quoted when every character may stand in YAML as
    /// it is, else double-quoted with escapes. Headers and sheet names come from uploads and may hold line breaks,
    /// control characters or a byte-order mark, which YAML refuses raw (or folds into spaces, so the header no longer matched).
    /// </summary>
    internal static string Quote(string text)
    {
        var plain = true;
        for (var i = 0; i < text.Length && plain; i++)
        {
            plain = IsPlain(text[i]);
        }

        if (plain)
        {
            return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        }

        var quoted = new StringBuilder(text.Length + 8).Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '"' or '\\')
            {
                quoted.Append('\\').Append(c);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                quoted.Append(c).Append(text[++i]); // a character outside the BMP, printable as it is
            }
            else if (IsPlain(c))
            {
                quoted.Append(c);
            }
            else
            {
                // A lone surrogate has no escape YAML accepts: it becomes U+FFFD.
                quoted.Append(CultureInfo.InvariantCulture, $"\\u{(char.IsSurrogate(c) ? 0xFFFD : c):X4}");
            }
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>Printable in YAML (c-printable, less line breaks — U+2028 and U+2029 are line breaks to YAML too — tabs and the byte-order mark).</summary>
    private static bool IsPlain(char c) =>
        c is >= ' ' and <= '~' or (>= '\u00A0' and < '\uD800' and not ('\u2028' or '\u2029')) or (>= '\uE000' and <= '\uFFFD' and not '\uFEFF');
}
