using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Tally.Datasets.Reading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tally.Datasets.Specs;

/// <summary>A dataset spec that cannot be used; every problem is listed as "file:line:column: message".</summary>
public sealed class DatasetSpecException(IReadOnlyList<string> errors)
    : Exception($"The dataset spec is invalid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>Reads dataset specs strictly: unknown fields, wrong types and dangling column references are errors.</summary>
public static partial class DatasetSpecParser
{
    private static readonly string[] RootFields = ["dataset", "description", "source", "tables"];
    private static readonly string[] SourceFields = ["publisher", "title", "url"];
    private static readonly string[] TableFields = ["name", "description", "files", "format", "sheet", "header_row", "columns", "vintage", "period", "key", "totals", "validation"];
    private static readonly string[] ColumnFields = ["name", "header", "type", "required", "formats", "values", "description"];
    private static readonly string[] VintageFields = ["date", "published"];
    private static readonly string[] PeriodFields = ["fiscal_year", "month", "date"];
    private static readonly string[] TotalFields = ["name", "total", "parts", "by", "measures", "relation", "effective", "note"];
    private static readonly string[] EffectiveFields = ["from", "until"];
    private static readonly string[] ValidationFields = ["date_in_fiscal_year", "no_data_after_vintage", "running_totals", "never_decreases", "mislabelled_fiscal_year", "stale_copies"];
    private static readonly string[] RunningFields = ["column", "of", "by"];
    private static readonly string[] DecreaseFields = ["column", "where", "key", "tolerance"];

    /// <summary>Loads every *.yaml spec in a directory (catalog/datasets); all errors of all files are reported together.</summary>
    public static IReadOnlyList<DatasetSpec> LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Dataset spec directory '{directory}' does not exist.");
        }

        var specs = new List<DatasetSpec>();
        var errors = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            try
            {
                specs.Add(Parse(File.ReadAllText(path), Path.GetFileName(path)));
            }
            catch (DatasetSpecException e)
            {
                errors.AddRange(e.Errors);
            }
        }

        foreach (var dup in specs.GroupBy(s => s.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"dataset '{dup.Key}' is defined in more than one file ({string.Join(", ", dup.Select(s => s.Origin))}); keep one.");
        }

        return errors.Count > 0 ? throw new DatasetSpecException(errors) : specs;
    }

    /// <summary>Parses one spec; <paramref name="origin"/> names it in error messages.</summary>
    /// <exception cref="DatasetSpecException">The spec is invalid.</exception>
    public static DatasetSpec Parse(string yaml, string origin = "(spec)")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var ctx = new Context(origin);
        var stream = new YamlStream();
        if (Tally.Catalog.YamlNesting.FindTooDeep(yaml) is { } deep)
        {
            throw new DatasetSpecException([$"{origin}:{deep.Line}:{deep.Column}: the YAML nests mappings or lists more than {Tally.Catalog.YamlNesting.MaxDepth} levels deep; a dataset spec needs a handful."]);
        }

        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            var message = (e.InnerException?.Message ?? e.Message).TrimEnd('.');
            throw new DatasetSpecException([$"{origin}:{e.Start.Line}:{e.Start.Column}: YAML syntax error: {message}. Fix the indentation or quoting here."]);
        }
        catch (ArgumentException e)
        {
            throw new DatasetSpecException([$"{origin}:1:1: YAML error: {e.Message} (a mapping probably repeats a field name)."]);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up this way on some broken flow collections (e.g. an unclosed "{[" at the end).
            throw new DatasetSpecException([$"{origin}:1:1: YAML syntax error: the spec ends inside an unclosed '[' or '{{' or is otherwise malformed; check brackets and quoting."]);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new DatasetSpecException([$"{origin}:1:1: a dataset spec is one YAML mapping with 'dataset', 'tables' and optionally 'description' and 'source'."]);
        }

        var r = new Map(ctx, root, "the spec", RootFields);
        var name = r.Text("dataset", required: true);
        if (name is not null && !SlugPattern().IsMatch(name))
        {
            r.Error("dataset", $"dataset name '{name}' must be a lowercase slug such as 'ice-detention-stats' (letters, digits, '-').");
        }

        var description = r.Text("description");
        DatasetSource? source = null;
        if (r.Child("source", SourceFields) is { } s)
        {
            source = new DatasetSource(s.Text("publisher"), s.Text("title"), s.Text("url"));
        }

        var tables = new List<TableSpec>();
        foreach (var t in r.List("tables", required: true))
        {
            if (ReadTable(ctx, t) is { } table)
            {
                tables.Add(table);
            }
        }

        foreach (var dup in tables.GroupBy(t => t.Name).Where(g => g.Count() > 1))
        {
            ctx.Errors.Add($"{origin}: table '{dup.Key}' is defined twice; table names must be unique within a dataset.");
        }

        if (ctx.Errors.Count > 0 || name is null)
        {
            throw new DatasetSpecException(ctx.Errors.Count > 0 ? ctx.Errors : [$"{origin}: the spec has no dataset name."]);
        }

        return new DatasetSpec(name, description, source, [.. tables], origin, yaml);
    }

    private static TableSpec? ReadTable(Context ctx, YamlNode node)
    {
        if (node is not YamlMappingNode m)
        {
            ctx.Error(node, "each entry of 'tables' must be a mapping with 'name' and 'columns'.");
            return null;
        }

        var r = new Map(ctx, m, "a table", TableFields);
        var name = r.Text("name", required: true);
        if (name is not null && !IdentifierPattern().IsMatch(name))
        {
            r.Error("name", $"table name '{name}' must be snake_case (a-z, 0-9, _), starting with a letter.");
        }

        var what = $"table '{name}'";
        r.What = what;
        var files = r.TextList("files");
        var format = r.Enum("format", DatasetFileFormat.Auto, ["csv", "tsv", "xlsx"], [DatasetFileFormat.Csv, DatasetFileFormat.Tsv, DatasetFileFormat.Xlsx]);
        var sheet = r.Text("sheet");
        var headerRow = r.Int("header_row");
        if (headerRow is < 1)
        {
            r.Error("header_row", $"header_row of {what} is 1-based; {headerRow} is not a row.");
        }

        var columns = new List<ColumnSpec>();
        foreach (var c in r.List("columns", required: true))
        {
            if (ReadColumn(ctx, c, what) is { } column)
            {
                columns.Add(column);
            }
        }

        var names = columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var dup in columns.GroupBy(c => c.Name).Where(g => g.Count() > 1))
        {
            r.Error("columns", $"column '{dup.Key}' appears twice in {what}.");
        }

        foreach (var dup in columns.GroupBy(c => HeaderMatcher.Normalize(c.Header)).Where(g => g.Count() > 1))
        {
            r.Error("columns", $"columns {string.Join(" and ", dup.Select(c => $"'{c.Name}'"))} of {what} read the same header '{dup.First().Header}'.");
        }

        VintageSpec? vintage = null;
        if (r.Child("vintage", VintageFields) is { } v)
        {
            var date = v.Text("date", required: true);
            var published = v.Text("published");
            v.RequireColumn("date", date, names, columns, ColumnType.Date);
            v.RequireColumn("published", published, names, columns, ColumnType.Date);
            vintage = date is null ? null : new VintageSpec(date, published);
        }

        PeriodSpec? period = null;
        if (r.Child("period", PeriodFields) is { } p)
        {
            var fy = p.Text("fiscal_year");
            var month = p.Text("month");
            var date = p.Text("date");
            p.RequireColumn("fiscal_year", fy, names, columns, ColumnType.Int);
            p.RequireColumn("month", month, names, columns, null);
            p.RequireColumn("date", date, names, columns, ColumnType.Date);
            period = new PeriodSpec(fy, month, date);
        }

        var key = r.TextList("key");
        r.RequireColumns("key", key, names);

        var totals = new List<TotalRuleSpec>();
        foreach (var t in r.List("totals", required: false))
        {
            if (ReadTotal(ctx, t, what, names, columns) is { } rule)
            {
                totals.Add(rule);
            }
        }

        var validation = ValidationSpec.None;
        if (r.Child("validation", ValidationFields) is { } val)
        {
            validation = ReadValidation(val, what, names, columns, vintage, period);
        }

        return name is null || columns.Count == 0
            ? null
            : new TableSpec(name, r.Text("description"), files, format, sheet, headerRow, [.. columns], vintage, period, key, [.. totals], validation);
    }

    private static ColumnSpec? ReadColumn(Context ctx, YamlNode node, string table)
    {
        if (node is not YamlMappingNode m)
        {
            ctx.Error(node, $"each column of {table} must be a mapping such as {{name: fiscal_year, type: int}}.");
            return null;
        }

        var r = new Map(ctx, m, $"a column of {table}", ColumnFields);
        var name = r.Text("name", required: true);
        if (name is not null && !IdentifierPattern().IsMatch(name))
        {
            r.Error("name", $"column name '{name}' must be snake_case (a-z, 0-9, _), starting with a letter; put the file's header text in 'header'.");
        }

        r.What = $"column '{name}' of {table}";
        var type = r.Enum("type", ColumnType.String, ["string", "int", "decimal", "date", "enum"],
            [ColumnType.String, ColumnType.Int, ColumnType.Decimal, ColumnType.Date, ColumnType.Enum]);
        var formats = r.TextList("formats");
        if (!formats.IsDefaultOrEmpty && type != ColumnType.Date)
        {
            r.Error("formats", $"'formats' applies to date columns only; {r.What} is {type.ToString().ToLowerInvariant()}.");
        }

        foreach (var f in formats)
        {
            try
            {
                _ = new DateTime(2024, 12, 31).ToString(f, CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                r.Error("formats", $"'{f}' is not a valid .NET date format (examples: yyyy-MM-dd, M/d/yyyy, dd-MMM-yy).");
            }
        }

        var values = r.TextList("values", allowEmptyItems: true);
        if (type == ColumnType.Enum && values.IsDefaultOrEmpty)
        {
            r.Error("type", $"{r.What} is an enum, so it needs 'values' (the allowed values).");
        }
        else if (type != ColumnType.Enum && !values.IsDefaultOrEmpty)
        {
            r.Error("values", $"'values' applies to enum columns only; make {r.What} 'type: enum' or drop 'values'.");
        }

        return name is null
            ? null
            : new ColumnSpec(name, r.Text("header") ?? name, type, r.Bool("required") ?? false,
                formats.IsDefaultOrEmpty ? ["yyyy-MM-dd"] : formats, values.IsDefault ? [] : values, r.Text("description"));
    }

    private static TotalRuleSpec? ReadTotal(Context ctx, YamlNode node, string table, HashSet<string> names, List<ColumnSpec> columns)
    {
        if (node is not YamlMappingNode m)
        {
            ctx.Error(node, $"each entry of 'totals' in {table} must be a mapping with 'total', 'parts', 'by' and 'measures'.");
            return null;
        }

        var r = new Map(ctx, m, $"a totals rule of {table}", TotalFields);
        var name = r.Text("name", required: true);
        r.What = $"totals rule '{name}' of {table}";
        var total = r.Selector("total", names, required: true);
        var parts = r.Selector("parts", names, required: true);
        var by = r.TextList("by");
        r.RequireColumns("by", by, names);
        var measures = r.TextList("measures", required: true);
        r.RequireColumns("measures", measures, names);
        foreach (var measure in measures)
        {
            if (columns.FirstOrDefault(c => c.Name == measure) is { Type: not (ColumnType.Int or ColumnType.Decimal) })
            {
                r.Error("measures", $"measure '{measure}' of {r.What} must be an int or decimal column.");
            }
        }

        var relation = r.Enum("relation", TotalRelation.Equal, ["equal", "at_least"], [TotalRelation.Equal, TotalRelation.AtLeast]);
        DateOnly? from = null, until = null;
        if (r.Child("effective", EffectiveFields) is { } e)
        {
            from = e.Date("from");
            until = e.Date("until");
        }

        return name is null || total is null || parts is null || measures.IsDefaultOrEmpty
            ? null
            : new TotalRuleSpec(name, total, parts, by.IsDefault ? [] : by, measures, relation, from, until, r.Text("note"));
    }

    private static ValidationSpec ReadValidation(Map r, string table, HashSet<string> names, List<ColumnSpec> columns, VintageSpec? vintage, PeriodSpec? period)
    {
        var dateInFy = r.Bool("date_in_fiscal_year") ?? false;
        if (dateInFy && (period?.FiscalYearColumn is null || period.DateColumn is null))
        {
            r.Error("date_in_fiscal_year", $"date_in_fiscal_year in {table} needs period.fiscal_year and period.date.");
        }

        var noDataAfter = ImmutableArray<string>.Empty;
        if (r.Child("no_data_after_vintage", ["measures"]) is { } n)
        {
            noDataAfter = n.TextList("measures", required: true);
            n.RequireColumns("measures", noDataAfter, names);
            if (vintage is null || period?.DateColumn is null)
            {
                r.Error("no_data_after_vintage", $"no_data_after_vintage in {table} needs vintage.date and period.date.");
            }
        }

        var running = new List<RunningTotalSpec>();
        foreach (var m in r.MapList("running_totals", RunningFields))
        {
            var column = m.Text("column", required: true);
            var of = m.Text("of", required: true);
            var by = m.TextList("by");
            m.RequireColumn("column", column, names, columns, null);
            m.RequireColumn("of", of, names, columns, null);
            m.RequireColumns("by", by, names);
            if (column is not null && of is not null)
            {
                running.Add(new RunningTotalSpec(column, of, by.IsDefault ? [] : by));
            }
        }

        var decreases = new List<NeverDecreasesSpec>();
        foreach (var m in r.MapList("never_decreases", DecreaseFields))
        {
            var column = m.Text("column", required: true);
            m.RequireColumn("column", column, names, columns, null);
            var where = m.Selector("where", names, required: false) ?? RowSelector.All;
            var key = m.TextList("key");
            m.RequireColumns("key", key, names);
            var tolerance = m.Double("tolerance") ?? 0;
            if (tolerance is < 0 or >= 1)
            {
                m.Error("tolerance", "tolerance is a fraction between 0 (no decrease allowed) and 1 (exclusive), such as 0.01 for 1 %.");
            }

            if (vintage is null || period?.FiscalYearColumn is null)
            {
                m.Error("column", $"never_decreases in {table} compares vintages within a fiscal year: it needs vintage.date and period.fiscal_year.");
            }

            if (column is not null)
            {
                decreases.Add(new NeverDecreasesSpec(column, where, key.IsDefault ? [] : key, tolerance));
            }
        }

        var mislabelled = r.Bool("mislabelled_fiscal_year") ?? false;
        if (mislabelled && (vintage is null || period?.FiscalYearColumn is null))
        {
            r.Error("mislabelled_fiscal_year", $"mislabelled_fiscal_year in {table} needs vintage.date and period.fiscal_year.");
        }

        var stale = r.Bool("stale_copies") ?? false;
        if (stale && vintage is null)
        {
            r.Error("stale_copies", $"stale_copies in {table} compares vintages: it needs vintage.date.");
        }

        return new ValidationSpec(dateInFy, noDataAfter.IsDefault ? [] : noDataAfter, [.. running], [.. decreases], mislabelled, stale);
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,47}$")]
    internal static partial Regex IdentifierPattern();

    private sealed class Context(string origin)
    {
        public List<string> Errors { get; } = [];

        public void Error(YamlNode node, string message) =>
            Errors.Add($"{origin}:{node.Start.Line}:{node.Start.Column}: {message}");
    }

    /// <summary>Strict reader over one mapping: remembers which fields were read and reports the rest.</summary>
    private sealed class Map
    {
        private readonly Context _ctx;
        private readonly YamlMappingNode _node;
        private readonly Dictionary<string, YamlNode> _fields = new(StringComparer.Ordinal);

        public Map(Context ctx, YamlMappingNode node, string what, string[] allowed)
        {
            _ctx = ctx;
            _node = node;
            What = what;
            foreach (var (k, v) in node.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (!allowed.Contains(key))
                {
                    var hint = allowed.OrderBy(a => Distance(a, key)).First();
                    ctx.Error(k, $"unknown field '{key}' in {what}" +
                        (Distance(hint, key) <= 2 ? $" (did you mean '{hint}'?)" : "") + $". Allowed: {string.Join(", ", allowed)}.");
                    continue;
                }

                _fields[key] = v;
            }
        }

        public string What { get; set; }

        public void Error(string field, string message) =>
            _ctx.Error(_fields.TryGetValue(field, out var n) ? n : _node, message);

        private YamlNode? Get(string key, bool required)
        {
            if (_fields.TryGetValue(key, out var node))
            {
                return node;
            }

            if (required)
            {
                _ctx.Error(_node, $"{What} needs field '{key}'.");
            }

            return null;
        }

        public string? Text(string key, bool required = false)
        {
            var node = Get(key, required);
            if (node is null)
            {
                return null;
            }

            if (node is YamlScalarNode { Value: { } text } && (text.Trim().Length > 0 || !required))
            {
                return text.Trim().Length == 0 ? null : text.Trim();
            }

            _ctx.Error(node, $"field '{key}' of {What} must be non-empty text.");
            return null;
        }

        public int? Int(string key)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Error(key, $"field '{key}' of {What} must be a whole number, not '{text}'.");
            return null;
        }

        public double? Double(string key)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Error(key, $"field '{key}' of {What} must be a number, not '{text}'.");
            return null;
        }

        public bool? Bool(string key)
        {
            var text = Text(key);
            switch (text)
            {
                case null:
                    return null;
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    Error(key, $"field '{key}' of {What} must be true or false, not '{text}'.");
                    return null;
            }
        }

        public DateOnly? Date(string key)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                return d;
            }

            Error(key, $"field '{key}' of {What} must be a date YYYY-MM-DD, not '{text}'.");
            return null;
        }

        public TEnum Enum<TEnum>(string key, TEnum fallback, string[] names, TEnum[] values)
        {
            var text = Text(key);
            if (text is null)
            {
                return fallback;
            }

            var i = Array.IndexOf(names, text);
            if (i >= 0)
            {
                return values[i];
            }

            Error(key, $"invalid value '{text}' for '{key}' of {What}. Allowed: {string.Join(", ", names)}.");
            return fallback;
        }

        public ImmutableArray<string> TextList(string key, bool required = false, bool allowEmptyItems = false)
        {
            var node = Get(key, required);
            switch (node)
            {
                case null:
                    return [];
                case YamlScalarNode { Value: { } single } when single.Trim().Length > 0:
                    return [single.Trim()];
                case YamlSequenceNode seq:
                    var items = ImmutableArray.CreateBuilder<string>();
                    foreach (var item in seq.Children)
                    {
                        if (item is YamlScalarNode { Value: { } s } && (allowEmptyItems || s.Trim().Length > 0))
                        {
                            items.Add(s.Trim());
                        }
                        else
                        {
                            _ctx.Error(item, $"items of '{key}' in {What} must be non-empty text.");
                        }
                    }

                    if (required && items.Count == 0)
                    {
                        _ctx.Error(node, $"'{key}' of {What} needs at least one item.");
                    }

                    return items.ToImmutable();
                default:
                    _ctx.Error(node, $"field '{key}' of {What} must be a list such as [a, b].");
                    return [];
            }
        }

        public Map? Child(string key, string[] allowed)
        {
            var node = Get(key, required: false);
            if (node is null)
            {
                return null;
            }

            if (node is YamlMappingNode m)
            {
                return new Map(_ctx, m, $"'{key}' of {What}", allowed);
            }

            _ctx.Error(node, $"field '{key}' of {What} must be a mapping with fields {string.Join(", ", allowed)}.");
            return null;
        }

        public IEnumerable<YamlNode> List(string key, bool required)
        {
            var node = Get(key, required);
            if (node is null)
            {
                return [];
            }

            if (node is YamlSequenceNode seq)
            {
                if (required && seq.Children.Count == 0)
                {
                    _ctx.Error(node, $"'{key}' of {What} needs at least one entry.");
                }

                return seq.Children;
            }

            _ctx.Error(node, $"field '{key}' of {What} must be a list.");
            return [];
        }

        public IEnumerable<Map> MapList(string key, string[] allowed)
        {
            foreach (var item in List(key, required: false))
            {
                if (item is YamlMappingNode m)
                {
                    yield return new Map(_ctx, m, $"an entry of '{key}' in {What}", allowed);
                }
                else
                {
                    _ctx.Error(item, $"entries of '{key}' in {What} must be mappings with fields {string.Join(", ", allowed)}.");
                }
            }
        }

        public RowSelector? Selector(string key, HashSet<string> columns, bool required)
        {
            var node = Get(key, required);
            if (node is null)
            {
                return null;
            }

            if (node is not YamlMappingNode m)
            {
                _ctx.Error(node, $"field '{key}' of {What} must map columns to a value or a list of values, such as {{release_reason: Total}}.");
                return null;
            }

            var values = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
            foreach (var (k, v) in m.Children)
            {
                var column = (k as YamlScalarNode)?.Value ?? "";
                if (!columns.Contains(column))
                {
                    _ctx.Error(k, $"'{key}' of {What} names column '{column}', which the table does not have. Columns: {string.Join(", ", columns.Order(StringComparer.Ordinal))}.");
                    continue;
                }

                switch (v)
                {
                    case YamlScalarNode { Value: { } s }:
                        values[column] = [s.Trim()];
                        break;
                    case YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode):
                        values[column] = [.. seq.Children.Cast<YamlScalarNode>().Select(c => (c.Value ?? "").Trim())];
                        break;
                    default:
                        _ctx.Error(v, $"values in '{key}' of {What} must be text or a list of text.");
                        break;
                }
            }

            return new RowSelector(values.ToImmutable());
        }

        public void RequireColumn(string field, string? column, HashSet<string> names, List<ColumnSpec> columns, ColumnType? type)
        {
            if (column is null)
            {
                return;
            }

            if (!names.Contains(column))
            {
                Error(field, $"'{field}' of {What} names column '{column}', which the table does not declare. Columns: {string.Join(", ", names.Order(StringComparer.Ordinal))}.");
                return;
            }

            if (type is { } t && columns.First(c => c.Name == column).Type != t)
            {
                Error(field, $"'{field}' of {What} must be a {t.ToString().ToLowerInvariant()} column; '{column}' is {columns.First(c => c.Name == column).Type.ToString().ToLowerInvariant()}.");
            }
        }

        public void RequireColumns(string field, ImmutableArray<string> list, HashSet<string> names)
        {
            if (list.IsDefault)
            {
                return;
            }

            foreach (var column in list.Where(c => !names.Contains(c)))
            {
                Error(field, $"'{field}' of {What} names column '{column}', which the table does not declare. Columns: {string.Join(", ", names.Order(StringComparer.Ordinal))}.");
            }
        }

        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (var i = 0; i <= a.Length; i++)
            {
                d[i, 0] = i;
            }

            for (var j = 0; j <= b.Length; j++)
            {
                d[0, j] = j;
            }

            for (var i = 1; i <= a.Length; i++)
            {
                for (var j = 1; j <= b.Length; j++)
                {
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }
            }

            return d[a.Length, b.Length];
        }
    }
}
