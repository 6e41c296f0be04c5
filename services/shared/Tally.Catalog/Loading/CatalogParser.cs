using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Tally.Catalog.Model;
using YamlDotNet.RepresentationModel;

namespace Tally.Catalog.Loading;

/// <summary>A parsed entry and the positions of its fields.</summary>
internal sealed record Located<T>(T Item, FieldPositions Fields);

/// <summary>
/// Turns the YAML of each catalog file into model records, reporting shape errors (unknown or missing
/// fields, wrong types, invalid enum values, malformed ids and periods). Entries too broken to build
/// are dropped after their errors are reported; their ids are still remembered so that references to
/// them do not cascade into more errors.
/// </summary>
internal sealed partial class CatalogParser(Diagnostics diagnostics)
{
    private static readonly string[] SourceFields = ["id", "publisher", "title", "url", "kind", "author", "published", "retrieved", "seed", "notes"];
    private static readonly string[] MetricFields = ["id", "version", "name", "description", "counted", "population", "statistic", "period", "unit", "scale", "aliases", "values", "gap", "caveats", "notes"];
    private static readonly string[] CountedFields = ["what", "unit"];
    private static readonly string[] PopulationFields = ["agency", "program", "criminality", "citizenship", "other"];
    private static readonly string[] StatisticFields = ["type", "additive", "share_of"];
    private static readonly string[] PeriodFields = ["basis", "year_to_date"];
    private static readonly string[] ValuesFields = ["kind", "op", "of", "dataset", "measure", "filters", "date_column", "calendar", "vintage", "until_ingested"];
    private static readonly string[] DerivedOnly = ["op", "of"];
    private static readonly string[] ComputedOnly = ["dataset", "measure", "filters", "date_column", "calendar", "vintage", "until_ingested"];
    private static readonly string[] GapFields = ["question", "why_unpublished", "what_would_settle_it", "leads"];
    private static readonly string[] CaveatFields = ["code", "text"];
    private static readonly string[] RelationFields = ["from", "to", "type", "reason", "caveat"];
    private static readonly string[] FigureFields = ["metric", "period", "period_note", "dimensions", "value", "as_stated", "qualifier", "status", "unit", "attributed_to", "citations", "caveats", "notes"];
    private static readonly string[] CitationFields = ["source", "locator", "fragment", "original_source", "ref"];
    private static readonly string[] GlossaryFields = ["phrases", "dimension", "value", "also", "note"];

    public HashSet<string> DeclaredMetricIds { get; } = new(StringComparer.Ordinal);

    public HashSet<string> DeclaredSourceIds { get; } = new(StringComparer.Ordinal);

    // ---------------------------------------------------------------------------------------------
    // Files
    // ---------------------------------------------------------------------------------------------

    /// <summary>Loads a YAML file and returns its top-level list under <paramref name="listKey"/>.</summary>
    public IReadOnlyList<(YamlNode Node, string Path)> OpenList(YamlFile file, string text, string listKey)
    {
        var stream = new YamlStream();
        if (YamlNesting.FindTooDeep(text) is { } deep)
        {
            diagnostics.Add(new SourcePosition(file.Path, checked((int)deep.Line), checked((int)deep.Column)),
                $"mappings or lists nest more than {YamlNesting.MaxDepth} levels deep here; catalog entries need a handful.");
            return [];
        }

        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            var message = Unwrap(e);
            diagnostics.Add(new SourcePosition(file.Path, checked((int)e.Start.Line), checked((int)e.Start.Column)),
                message.StartsWith("Duplicate key ", StringComparison.Ordinal)
                    ? $"field '{message["Duplicate key ".Length..].Trim()}' appears twice in the same entry; keep one."
                    : $"YAML syntax error: {message.TrimEnd('.')}. Fix the indentation or quoting at this point.");
            return [];
        }
        catch (ArgumentException e)
        {
            diagnostics.Add(file.Start, $"YAML error: {e.Message} (a mapping probably repeats a field name).");
            return [];
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up this way on some broken flow collections (e.g. an unclosed "{[" at the end).
            diagnostics.Add(file.Start, "YAML syntax error: the file ends inside an unclosed '[' or '{' or is otherwise malformed; check brackets and quoting.");
            return [];
        }

        if (stream.Documents.Count == 0)
        {
            diagnostics.Add(file.Start, $"file is empty; it must contain '{listKey}:' followed by a list.");
            return [];
        }

        if (stream.Documents.Count > 1)
        {
            diagnostics.Add(file.At(stream.Documents[1].RootNode), "file holds more than one YAML document ('---'); keep one per file.");
        }

        var positions = new FieldPositions(file.Start);
        var root = MapReader.Open(file, stream.Documents[0].RootNode, $"file {file.Path}", [listKey], positions);
        return root?.Items(listKey, required: true, nonEmpty: false) ?? [];
    }

    private static string Unwrap(YamlDotNet.Core.YamlException e)
    {
        var message = e.InnerException?.Message ?? e.Message;
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return marker >= 0 && message.StartsWith('(') ? message[(marker + 3)..] : message;
    }

    // ---------------------------------------------------------------------------------------------
    // Sources
    // ---------------------------------------------------------------------------------------------

    public Located<Source>? Source(YamlFile file, YamlNode node, int index)
    {
        var fields = new FieldPositions(file.At(node));
        var r = MapReader.Open(file, node, $"source #{index + 1}", SourceFields, fields);
        if (r is null)
        {
            return null;
        }

        var id = Id(r, "source");
        if (id is not null)
        {
            DeclaredSourceIds.Add(id);
        }

        var publisher = r.Text("publisher");
        var title = r.Text("title");
        var kind = r.Enum<SourceKind>("kind");
        var url = r.Text("url", required: false);
        Uri? uri = null;
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https")))
        {
            r.Error("url", $"url of {r.What} must be an absolute http(s) address, not '{url}'.");
        }

        var published = PartialDate(r, "published");
        var retrieved = PartialDate(r, "retrieved");
        var seed = r.Text("seed", required: false);
        if (seed is not null && !SeedPattern().IsMatch(seed))
        {
            r.Error("seed", $"seed of {r.What} must be a seed file's basename without '.txt', like 003_48f4943d57a6bcf8, not '{seed}'.");
        }

        var author = r.Text("author", required: false);
        var notes = r.Text("notes", required: false);
        if (id is null || publisher is null || title is null || kind is null)
        {
            return null;
        }

        return new Located<Source>(new Source(id, publisher, title, uri, kind.Value, author, published, retrieved, seed, notes) { Position = r.At }, fields);
    }

    // ---------------------------------------------------------------------------------------------
    // Metrics
    // ---------------------------------------------------------------------------------------------

    public Located<MetricDefinition>? Metric(YamlFile file, YamlNode node, int index, string family)
    {
        var fields = new FieldPositions(file.At(node));
        var r = MapReader.Open(file, node, $"metric #{index + 1}", MetricFields, fields);
        if (r is null)
        {
            return null;
        }

        var id = Id(r, "metric");
        if (id is not null)
        {
            DeclaredMetricIds.Add(id);
        }

        var version = r.Int("version");
        if (version is < 1)
        {
            r.Error("version", $"version of {r.What} must be 1 or more; raise it whenever the definition changes meaning.");
        }

        var name = r.Text("name");
        var description = r.Text("description");

        CountedThing? counted = null;
        if (r.Map("counted", CountedFields) is { } c)
        {
            var what = c.Enum<CountedEvent>("what");
            var unit = c.Enum<CountingUnit>("unit");
            counted = what is null || unit is null ? null : new CountedThing(what.Value, unit.Value);
        }

        Population? population = null;
        if (r.Map("population", PopulationFields) is { } p)
        {
            var agency = p.Enum<Agency>("agency");
            var program = p.Text("program", required: false);
            var criminality = p.Enum<Criminality>("criminality");
            var citizenship = p.Enum<Citizenship>("citizenship");
            var other = p.Text("other", required: false);
            population = agency is null || criminality is null || citizenship is null
                ? null
                : new Population(agency.Value, program, criminality.Value, citizenship.Value, other);
        }

        Statistic? statistic = null;
        if (r.Map("statistic", StatisticFields) is { } s)
        {
            var type = s.Enum<StatisticType>("type");
            var additive = s.Bool("additive");
            var shareOf = s.Text("share_of", required: false);
            statistic = type is null || additive is null ? null : new Statistic(type.Value, additive.Value, shareOf);
        }

        MetricPeriod? period = null;
        if (r.Map("period", PeriodFields) is { } pr)
        {
            var basis = pr.Enum<PeriodBasis>("basis");
            var ytd = pr.Bool("year_to_date", required: false) ?? false;
            period = basis is null ? null : new MetricPeriod(basis.Value, ytd);
        }

        var unitOfMeasure = r.Enum<MeasureUnit>("unit");
        var scale = r.Has("scale") ? r.Int("scale") : 1;
        if (scale is not null and not (1 or 1_000 or 1_000_000 or 1_000_000_000))
        {
            r.Error("scale", $"scale of {r.What} must be 1, 1000, 1000000 or 1000000000 (the factor stored values are multiplied by), not {scale}.");
        }

        var aliases = r.TextList("aliases");
        MetricValues? values = null;
        MetricGap? gap = null;
        var hasValues = r.Has("values");
        var hasGap = r.Has("gap");
        if (hasValues == hasGap)
        {
            r.Error(hasValues ? "gap" : "id", hasValues
                ? $"{r.What} has both 'values' and 'gap'; a metric is either published/computed/derived or a gap, not both."
                : $"{r.What} needs either 'values' (published, computed or derived) or 'gap' (no public source publishes it).");
        }

        if (hasValues)
        {
            values = Values(r);
        }

        if (hasGap && r.Map("gap", GapFields) is { } g)
        {
            gap = Gap(g);
        }

        var caveats = Caveats(r);
        var notes = r.Text("notes", required: false);

        if (id is null || version is null || name is null || description is null || counted is null || population is null ||
            statistic is null || period is null || unitOfMeasure is null || scale is null || (values is null && gap is null))
        {
            return null;
        }

        var metric = new MetricDefinition(id, version.Value, family, name, description, counted, population, statistic, period,
            unitOfMeasure.Value, scale.Value, aliases, values, gap, caveats, notes) { Position = r.At };
        return new Located<MetricDefinition>(metric, fields);
    }

    private static MetricGap? Gap(MapReader g)
    {
        var question = g.Text("question");
        var why = g.Text("why_unpublished");
        var settle = g.Text("what_would_settle_it");
        var leads = g.TextList("leads");
        return question is null || why is null || settle is null ? null : new MetricGap(question, why, settle, leads);
    }

    private static MetricValues? Values(MapReader r)
    {
        var v = r.Map("values", ValuesFields);
        if (v is null)
        {
            return null;
        }

        var kind = v.Text("kind");
        switch (kind)
        {
            case "published":
                RejectFields(v, kind, DerivedOnly.Concat(ComputedOnly));
                return new PublishedValues();
            case "derived":
                RejectFields(v, kind, ComputedOnly);
                var op = v.Enum<DerivedOp>("op");
                var of = v.TextList("of", required: true);
                return op is null || of.IsDefaultOrEmpty ? null : new DerivedValues(op.Value, of);
            case "computed":
                RejectFields(v, kind, DerivedOnly);
                var dataset = v.Text("dataset");
                var measure = v.Text("measure");
                if (measure is not null && !MeasurePattern().IsMatch(measure))
                {
                    v.Error("measure", $"measure of {v.What} must be 'count' or 'sum(column)', not '{measure}'.");
                }

                var filters = v.TextMap("filters", allowLists: true);
                var dateColumn = v.Text("date_column");
                var calendar = v.Enum<PeriodBasis>("calendar");
                if (calendar is not null and not (PeriodBasis.UsFederalFiscalYear or PeriodBasis.CalendarYear or PeriodBasis.Month))
                {
                    v.Error("calendar", $"calendar of {v.What} must be us_federal_fiscal_year, calendar_year or month.");
                }

                var vintage = v.Text("vintage");
                if (vintage is not null && !VintagePattern().IsMatch(vintage))
                {
                    v.Error("vintage", $"vintage of {v.What} must be 'latest_pull' or 'pull_date=YYYY-MM-DD', not '{vintage}'.");
                }

                var untilIngested = v.Has("until_ingested") && v.Map("until_ingested", GapFields) is { } u ? Gap(u) : null;
                return dataset is null || measure is null || dateColumn is null || calendar is null || vintage is null
                    ? null
                    : new ComputedValues(dataset, measure, filters, dateColumn, calendar.Value, vintage) { UntilIngested = untilIngested };
            case null:
                return null;
            default:
                v.Error("kind", $"invalid value '{kind}' for field 'kind' of {v.What}. Allowed values: published, computed, derived.");
                return null;
        }
    }

    private static void RejectFields(MapReader v, string kind, IEnumerable<string> notAllowed)
    {
        foreach (var field in notAllowed.Where(v.Has))
        {
            v.Error(field, $"field '{field}' does not belong in {v.What} of kind '{kind}'; remove it or change the kind.");
        }
    }

    private static ImmutableArray<Caveat> Caveats(MapReader r)
    {
        var caveats = ImmutableArray.CreateBuilder<Caveat>();
        foreach (var (node, path) in r.Items("caveats", required: false))
        {
            var c = r.Item(node, path, $"a caveat of {r.What}", CaveatFields);
            if (c is null)
            {
                continue;
            }

            var code = c.Text("code");
            var text = c.Text("text");
            if (code is not null && !CaveatCodePattern().IsMatch(code))
            {
                c.Error("code", $"caveat code '{code}' must be UPPER_SNAKE_CASE, e.g. STOCK_NOT_FLOW.");
            }

            if (code is not null && text is not null)
            {
                caveats.Add(new Caveat(code, text));
            }
        }

        return caveats.ToImmutable();
    }

    // ---------------------------------------------------------------------------------------------
    // Relations
    // ---------------------------------------------------------------------------------------------

    public static Located<MetricRelation>? Relation(YamlFile file, YamlNode node, int index)
    {
        var fields = new FieldPositions(file.At(node));
        var r = MapReader.Open(file, node, $"relation #{index + 1}", RelationFields, fields);
        if (r is null)
        {
            return null;
        }

        var from = r.Text("from");
        var to = r.Text("to");
        if (from is not null && to is not null)
        {
            r.What = $"relation #{index + 1} ({from} -> {to})";
        }

        var type = r.Enum<RelationType>("type");
        var reason = r.Text("reason");
        var caveat = r.Text("caveat", required: false);
        if (caveat is not null && !CaveatCodePattern().IsMatch(caveat))
        {
            r.Error("caveat", $"caveat code '{caveat}' must be UPPER_SNAKE_CASE, e.g. STOCK_NOT_FLOW.");
        }

        return from is null || to is null || type is null || reason is null
            ? null
            : new Located<MetricRelation>(new MetricRelation(from, to, type.Value, reason, caveat) { Position = r.At }, fields);
    }

    // ---------------------------------------------------------------------------------------------
    // Figures
    // ---------------------------------------------------------------------------------------------

    public static Located<Figure>? Figure(YamlFile file, YamlNode node, int index)
    {
        var fields = new FieldPositions(file.At(node));
        var r = MapReader.Open(file, node, $"figure #{index + 1}", FigureFields, fields);
        if (r is null)
        {
            return null;
        }

        var metric = r.Text("metric");
        var periodText = r.Text("period");
        if (metric is not null)
        {
            r.What = $"figure #{index + 1} ({metric} {periodText})";
        }

        CatalogPeriod? period = null;
        if (periodText is not null && !CatalogPeriod.TryParse(periodText, out period, out var periodError))
        {
            r.Error("period", $"malformed period in {r.What}: {periodError}");
        }

        var periodNote = r.Text("period_note", required: false);
        var dimensions = r.TextMap("dimensions", allowLists: false);
        foreach (var key in dimensions.Keys.Where(k => !DimensionPattern().IsMatch(k)))
        {
            r.Error("dimensions", $"dimension name '{key}' in {r.What} must be lower_snake_case.");
        }

        var value = r.Decimal("value");
        var asStated = r.Text("as_stated");
        var qualifier = r.Enum<FigureQualifier>("qualifier");
        var status = r.Enum<FigureStatus>("status");
        var unit = r.Enum<MeasureUnit>("unit");
        var attributedTo = r.Text("attributed_to", required: false);
        var citations = ImmutableArray.CreateBuilder<Citation>();
        foreach (var (item, path) in r.Items("citations", required: true))
        {
            var c = r.Item(item, path, $"a citation of {r.What}", CitationFields);
            if (c is null)
            {
                continue;
            }

            var source = c.Text("source");
            var locator = c.Text("locator");
            var fragment = c.Text("fragment");
            var original = c.Text("original_source", required: false);
            var reference = c.Text("ref", required: false);
            if (source is not null && locator is not null && fragment is not null)
            {
                citations.Add(new Citation(source, locator, fragment, original, reference));
            }
        }

        var caveats = Caveats(r);
        var notes = r.Text("notes", required: false);
        if (metric is null || period is null || value is null || asStated is null || qualifier is null || status is null ||
            unit is null || citations.Count == 0)
        {
            return null;
        }

        var dims = dimensions.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value[0], StringComparer.Ordinal);
        var id = FigureId(metric, period, dims, citations[0].Source);
        var figure = new Figure(id, metric, period, periodNote, dims, value.Value, asStated, qualifier.Value, status.Value, unit.Value,
            attributedTo, citations.ToImmutable(), caveats, notes) { Position = r.At };
        return new Located<Figure>(figure, fields);
    }

    /// <summary>metric@period[dim=value,...]/source — unique in a valid catalog.</summary>
    internal static string FigureId(string metric, CatalogPeriod period, ImmutableSortedDictionary<string, string> dimensions, string source) =>
        dimensions.Count == 0
            ? $"{metric}@{period.Text}/{source}"
            : $"{metric}@{period.Text}[{string.Join(",", dimensions.Select(d => $"{d.Key}={d.Value}"))}]/{source}";

    // ---------------------------------------------------------------------------------------------
    // Glossary
    // ---------------------------------------------------------------------------------------------

    public static Located<GlossaryEntry>? GlossaryTerm(YamlFile file, YamlNode node, int index)
    {
        var fields = new FieldPositions(file.At(node));
        var r = MapReader.Open(file, node, $"glossary term #{index + 1}", GlossaryFields, fields);
        if (r is null)
        {
            return null;
        }

        var phrases = r.TextList("phrases", required: true);
        if (!phrases.IsEmpty)
        {
            r.What = $"glossary term #{index + 1} ('{phrases[0]}')";
        }

        var dimension = r.Enum<GlossaryDimension>("dimension");
        var value = r.Text("value");
        var also = r.TextList("also");
        var note = r.Text("note", required: false);
        return phrases.IsEmpty || dimension is null || value is null
            ? null
            : new Located<GlossaryEntry>(new GlossaryEntry(phrases, dimension.Value, value, also, note) { Position = r.At }, fields);
    }

    // ---------------------------------------------------------------------------------------------
    // Shared
    // ---------------------------------------------------------------------------------------------

    private static string? Id(MapReader r, string kind)
    {
        var id = r.Text("id");
        if (id is null)
        {
            return null;
        }

        if (!IdPattern().IsMatch(id))
        {
            r.Error("id", $"{kind} id '{id}' must be kebab-case: lowercase letters and digits joined by single hyphens (e.g. ice-removals).");
            return null;
        }

        r.What = $"{kind} '{id}'";
        return id;
    }

    private static string? PartialDate(MapReader r, string key)
    {
        var text = r.Text(key, required: false);
        if (text is null)
        {
            return null;
        }

        var ok = text.Length switch
        {
            4 => int.TryParse(text, out _),
            7 => DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", out _),
            10 => DateOnly.TryParseExact(text, "yyyy-MM-dd", out _),
            _ => false,
        };
        if (!ok)
        {
            r.Error(key, $"field '{key}' of {r.What} must be a date written YYYY-MM-DD, YYYY-MM or YYYY, not '{text}'.");
            return null;
        }

        return text;
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    internal static partial Regex IdPattern();

    [GeneratedRegex("^[0-9]{3}_[0-9a-f]{16}$")]
    private static partial Regex SeedPattern();

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex CaveatCodePattern();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex DimensionPattern();

    [GeneratedRegex(@"^(count|sum\([A-Za-z_][A-Za-z0-9_]*\))$")]
    private static partial Regex MeasurePattern();

    [GeneratedRegex(@"^(latest_pull|pull_date=\d{4}-\d{2}-\d{2})$")]
    private static partial Regex VintagePattern();
}
