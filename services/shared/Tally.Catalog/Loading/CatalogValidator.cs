using System.Collections.Frozen;
using Tally.Catalog.Model;

namespace Tally.Catalog.Loading;

/// <summary>
/// Checks that need the whole catalog: duplicate ids, references to unknown metrics and sources,
/// cycles and type errors in derived formulas, contradictions between a metric's statistic, period and
/// unit, and between a figure and its metric.
/// </summary>
internal sealed class CatalogValidator(Diagnostics diagnostics, CatalogParser parser)
{
    private const int MaxFragmentWords = 40;

    private static readonly FrozenSet<PeriodBasis> YearBases = new[] { PeriodBasis.UsFederalFiscalYear, PeriodBasis.CalendarYear }.ToFrozenSet();

    private Dictionary<string, Located<MetricDefinition>> _metrics = new(StringComparer.Ordinal);
    private Dictionary<string, Located<Source>> _sources = new(StringComparer.Ordinal);

    public void Validate(
        IReadOnlyList<Located<Source>> sources,
        IReadOnlyList<Located<MetricDefinition>> metrics,
        IReadOnlyList<Located<MetricRelation>> relations,
        IReadOnlyList<Located<Figure>> figures,
        IReadOnlyList<Located<GlossaryEntry>> glossary)
    {
        _sources = Unique(sources, s => s.Id, "source");
        _metrics = Unique(metrics, m => m.Id, "metric");
        foreach (var metric in metrics)
        {
            CheckMetric(metric);
        }

        CheckDerivedCycles(metrics);
        CheckRelations(relations);
        CheckFigures(figures);
        CheckGlossary(glossary);
    }

    private Dictionary<string, Located<T>> Unique<T>(IReadOnlyList<Located<T>> entries, Func<T, string> id, string kind)
    {
        var seen = new Dictionary<string, Located<T>>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var key = id(entry.Item);
            if (seen.TryGetValue(key, out var first))
            {
                diagnostics.Add(entry.Fields.Of("id"), $"duplicate {kind} id '{key}': already defined at {first.Fields.Of("id")}. Rename one of them.");
                continue;
            }

            seen[key] = entry;
        }

        return seen;
    }

    private void Error(FieldPositions at, string path, string message) => diagnostics.Add(at.Of(path), message);

    private bool MetricKnown(string id) => parser.DeclaredMetricIds.Contains(id);

    private bool SourceKnown(string id) => parser.DeclaredSourceIds.Contains(id);

    private string UnknownMetric(string id) =>
        $"unknown metric '{id}'.{Hint(id, _metrics.Keys)} Define it in catalog/metrics/ or fix the id.";

    private string UnknownSource(string id) =>
        $"unknown source '{id}'.{Hint(id, _sources.Keys)} Define it in catalog/sources.yaml or fix the id.";

    private static string Hint(string id, IEnumerable<string> known) =>
        MapReader.Suggest(id, known) is { } s ? $" Did you mean '{s}'?" : string.Empty;

    // ---------------------------------------------------------------------------------------------

    private void CheckMetric(Located<MetricDefinition> entry)
    {
        var (m, at) = (entry.Item, entry.Fields);
        var what = $"metric '{m.Id}'";
        var type = m.Statistic.Type;
        var basis = m.Period.Basis;

        if (m.Statistic.Additive && type is not StatisticType.Flow)
        {
            Error(at, "statistic.additive", $"{what} is a {EnumNames<StatisticType>.Name(type)} and cannot be additive: values for adjacent periods do not sum. Set additive: false.");
        }

        PeriodBasis[] allowedBases = type switch
        {
            StatisticType.Stock => [PeriodBasis.AsOfDate],
            StatisticType.Cumulative => [PeriodBasis.AsOfDate, PeriodBasis.DateRange, PeriodBasis.MultiYear],
            StatisticType.Flow or StatisticType.Average => [PeriodBasis.UsFederalFiscalYear, PeriodBasis.CalendarYear, PeriodBasis.Month, PeriodBasis.DateRange, PeriodBasis.MultiYear],
            _ => [PeriodBasis.UsFederalFiscalYear, PeriodBasis.CalendarYear, PeriodBasis.Month, PeriodBasis.AsOfDate, PeriodBasis.DateRange, PeriodBasis.MultiYear],
        };
        if (!allowedBases.Contains(basis))
        {
            Error(at, "period.basis", $"{what}: a {EnumNames<StatisticType>.Name(type)} cannot have period basis {EnumNames<PeriodBasis>.Name(basis)}; allowed: {string.Join(", ", allowedBases.Select(EnumNames<PeriodBasis>.Name))}.");
        }

        if (m.Period.YearToDate && !YearBases.Contains(basis))
        {
            Error(at, "period.year_to_date", $"{what}: year_to_date applies only to us_federal_fiscal_year or calendar_year periods.");
        }

        if ((type is StatisticType.Share) != (m.Unit is MeasureUnit.Percent))
        {
            Error(at, "unit", $"{what}: shares are expressed in percent and only shares are; statistic is {EnumNames<StatisticType>.Name(type)}, unit is {EnumNames<MeasureUnit>.Name(m.Unit)}.");
        }

        if ((type is StatisticType.Share) != (m.Statistic.ShareOf is not null))
        {
            Error(at, "statistic", type is StatisticType.Share
                ? $"{what} is a share; say what it is a share of in statistic.share_of."
                : $"{what}: statistic.share_of is only for shares.");
        }

        if ((m.Unit is MeasureUnit.Pounds) != (m.Counted.Unit is CountingUnit.Pounds) ||
            (m.Unit is MeasureUnit.UsDollars) != (m.Counted.Unit is CountingUnit.UsDollars))
        {
            Error(at, "unit", $"{what}: unit {EnumNames<MeasureUnit>.Name(m.Unit)} does not match counted.unit {EnumNames<CountingUnit>.Name(m.Counted.Unit)} (pounds and us_dollars must agree).");
        }

        if (basis is PeriodBasis.Unspecified)
        {
            Error(at, "period.basis", $"{what}: 'unspecified' is only for figures whose source gives no period; a metric needs a real basis.");
        }

        var seenAliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < m.Aliases.Length; i++)
        {
            if (!seenAliases.Add(m.Aliases[i]))
            {
                Error(at, $"aliases[{i}]", $"{what} lists the alias '{m.Aliases[i]}' twice.");
            }
        }

        switch (m.Values)
        {
            case DerivedValues d:
                CheckDerived(entry, d);
                break;
            case ComputedValues c when c.Calendar != basis:
                Error(at, "values.calendar", $"{what}: computed calendar {EnumNames<PeriodBasis>.Name(c.Calendar)} contradicts the metric's period basis {EnumNames<PeriodBasis>.Name(basis)}.");
                break;
        }

        foreach (var (gap, path) in new[] { (m.Gap, "gap"), ((m.Values as ComputedValues)?.UntilIngested, "values.until_ingested") })
        {
            for (var i = 0; i < (gap?.Leads.Length ?? 0); i++)
            {
                if (!SourceKnown(gap!.Leads[i]))
                {
                    Error(at, $"{path}.leads[{i}]", $"{what}: {UnknownSource(gap.Leads[i])}");
                }
            }
        }
    }

    private void CheckDerived(Located<MetricDefinition> entry, DerivedValues d)
    {
        var (m, at) = (entry.Item, entry.Fields);
        var what = $"metric '{m.Id}'";
        var arity = d.Op is DerivedOp.Sum ? "at least 2" : "exactly 2";
        if ((d.Op is DerivedOp.Sum && d.Of.Length < 2) || (d.Op is not DerivedOp.Sum && d.Of.Length != 2))
        {
            Error(at, "values.of", $"{what}: a {EnumNames<DerivedOp>.Name(d.Op)} needs {arity} operands, found {d.Of.Length}.");
        }

        if (d.Op is DerivedOp.Ratio && m.Unit is not MeasureUnit.Percent)
        {
            Error(at, "unit", $"{what}: a ratio is expressed in percent; set unit: percent.");
        }

        for (var i = 0; i < d.Of.Length; i++)
        {
            var path = $"values.of[{i}]";
            var operandId = d.Of[i];
            if (string.Equals(operandId, m.Id, StringComparison.Ordinal))
            {
                Error(at, path, $"{what} is derived from itself.");
                continue;
            }

            if (!_metrics.TryGetValue(operandId, out var operand))
            {
                if (!MetricKnown(operandId))
                {
                    Error(at, path, $"{what}: derived operand {UnknownMetric(operandId)}");
                }

                continue;
            }

            var o = operand.Item;
            if (o.IsGap)
            {
                Error(at, path, $"{what}: operand '{o.Id}' is a gap (no values); a formula cannot use it.");
            }

            if (d.Op is not DerivedOp.Ratio && (o.Unit != m.Unit || o.Period.Basis != m.Period.Basis))
            {
                Error(at, path, $"{what}: a {EnumNames<DerivedOp>.Name(d.Op)} must combine metrics with its own unit and period basis; '{o.Id}' is {EnumNames<MeasureUnit>.Name(o.Unit)} on {EnumNames<PeriodBasis>.Name(o.Period.Basis)}.");
            }
        }
    }

    private void CheckDerivedCycles(IReadOnlyList<Located<MetricDefinition>> metrics)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on stack, 2 = done
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in metrics.OrderBy(e => e.Item.Id, StringComparer.Ordinal))
        {
            Visit(entry.Item.Id, []);
        }

        void Visit(string id, List<string> stack)
        {
            if (state.GetValueOrDefault(id) == 2 || !_metrics.TryGetValue(id, out var entry) || entry.Item.Values is not DerivedValues d)
            {
                return;
            }

            if (state.GetValueOrDefault(id) == 1)
            {
                var cycle = stack.Skip(stack.IndexOf(id)).Append(id).ToList();
                if (reported.Add(string.Join(",", cycle.Order(StringComparer.Ordinal).Distinct())))
                {
                    Error(entry.Fields, "values.of", $"cycle in derived formulas: {string.Join(" -> ", cycle)}. A derived metric cannot depend on itself; make one of them published or computed.");
                }

                return;
            }

            state[id] = 1;
            stack.Add(id);
            foreach (var operand in d.Of)
            {
                Visit(operand, stack);
            }

            stack.RemoveAt(stack.Count - 1);
            state[id] = 2;
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void CheckRelations(IReadOnlyList<Located<MetricRelation>> relations)
    {
        var seen = new Dictionary<(string, string, RelationType), Located<MetricRelation>>();
        foreach (var entry in relations)
        {
            var (r, at) = (entry.Item, entry.Fields);
            var known = true;
            foreach (var (path, id) in new[] { ("from", r.From), ("to", r.To) })
            {
                if (!MetricKnown(id))
                {
                    Error(at, path, $"relation {path}: {UnknownMetric(id)}");
                    known = false;
                }
            }

            if (string.Equals(r.From, r.To, StringComparison.Ordinal))
            {
                Error(at, "to", $"relation relates '{r.From}' to itself.");
                continue;
            }

            var key = (r.From, r.To, r.Type);
            var mirror = (r.To, r.From, r.Type);
            if (seen.TryGetValue(key, out var first) || (r.Type is RelationType.NotInterchangeableWith && seen.TryGetValue(mirror, out first)))
            {
                Error(at, "from", $"duplicate relation {r.From} {EnumNames<RelationType>.Name(r.Type)} {r.To}: already stated at {first.Fields.Entry}.");
                continue;
            }

            seen[key] = entry;
            if (known && r.Type is RelationType.ComponentOf &&
                _metrics.TryGetValue(r.To, out var whole) && whole.Item.Values is DerivedValues { Op: DerivedOp.Sum } sum &&
                !sum.Of.Contains(r.From, StringComparer.Ordinal))
            {
                Error(at, "from", $"'{r.From}' is declared a component of '{r.To}', but '{r.To}' is a sum that does not include it.");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void CheckFigures(IReadOnlyList<Located<Figure>> figures)
    {
        var ids = new Dictionary<string, Located<Figure>>(StringComparer.Ordinal);
        foreach (var entry in figures)
        {
            var (f, at) = (entry.Item, entry.Fields);
            var what = $"figure {f.Metric} {f.Period}";
            if (ids.TryGetValue(f.Id, out var first))
            {
                Error(at, "metric", $"duplicate {what}: the same metric, period, dimensions and citing source are already recorded at {first.Fields.Entry}. Merge the citations into one figure.");
            }
            else
            {
                ids[f.Id] = entry;
            }

            CheckCitations(entry, what);
            CheckStated(entry, what);

            if (!_metrics.TryGetValue(f.Metric, out var metricEntry))
            {
                if (!MetricKnown(f.Metric))
                {
                    Error(at, "metric", $"{what}: {UnknownMetric(f.Metric)}");
                }

                continue;
            }

            var m = metricEntry.Item;
            if (m.IsGap)
            {
                Error(at, "metric", $"{what}: metric '{m.Id}' is a gap (no public source publishes it), so it cannot have figures. Record the figure under the metric it really measures.");
                continue;
            }

            if (f.Period.Basis is PeriodBasis.Unspecified)
            {
                if (f.PeriodNote is null)
                {
                    Error(at, "period", $"{what}: an unspecified period needs a period_note saying what the source does say about time.");
                }
            }
            else if (f.Period.Basis != m.Period.Basis)
            {
                Error(at, "period", $"{what}: period '{f.Period}' is {EnumNames<PeriodBasis>.Name(f.Period.Basis)}, which contradicts metric '{m.Id}' (period basis {EnumNames<PeriodBasis>.Name(m.Period.Basis)}). Use a {EnumNames<PeriodBasis>.Name(m.Period.Basis)} period or record the figure under the right metric.");
            }

            if (f.Period.YearToDate && !m.Period.YearToDate)
            {
                Error(at, "period", $"{what}: a year-to-date period, but metric '{m.Id}' does not allow partial years (period.year_to_date: false).");
            }

            if (f.Period.YearToDate != (f.Status is FigureStatus.YearToDate))
            {
                Error(at, "status", f.Period.YearToDate
                    ? $"{what}: the period is year-to-date, so status must be year_to_date."
                    : $"{what}: status year_to_date needs a year-to-date period such as 'FY2024 through 2024-02'.");
            }

            if (f.Unit != m.Unit)
            {
                Error(at, "unit", $"{what}: unit {EnumNames<MeasureUnit>.Name(f.Unit)} differs from metric '{m.Id}' ({EnumNames<MeasureUnit>.Name(m.Unit)}).");
            }

            if (f.Value < 0 || (f.Unit is MeasureUnit.Percent && f.Value > 100))
            {
                Error(at, "value", $"{what}: value {f.Value} is out of range for {EnumNames<MeasureUnit>.Name(f.Unit)}.");
            }
        }
    }

    private void CheckCitations(Located<Figure> entry, string what)
    {
        var (f, at) = (entry.Item, entry.Fields);
        for (var i = 0; i < f.Citations.Length; i++)
        {
            var c = f.Citations[i];
            var path = $"citations[{i}].";
            if (!SourceKnown(c.Source))
            {
                Error(at, path + "source", $"{what}: citation source: {UnknownSource(c.Source)}");
            }

            if (c.OriginalSource is { } original)
            {
                if (!SourceKnown(original))
                {
                    Error(at, path + "original_source", $"{what}: citation original_source: {UnknownSource(original)}");
                }
                else if (string.Equals(original, c.Source, StringComparison.Ordinal))
                {
                    Error(at, path + "original_source", $"{what}: original_source repeats the citing source; omit it.");
                }
            }

            var words = CitationText.Normalize(c.Fragment).Split(' ').Length;
            if (words > MaxFragmentWords)
            {
                Error(at, path + "fragment", $"{what}: fragment has {words} words; quote only the words that carry the figure (at most {MaxFragmentWords}).");
            }
        }
    }

    private void CheckStated(Located<Figure> entry, string what)
    {
        var (f, at) = (entry.Item, entry.Fields);
        var stated = CitationText.Normalize(f.AsStated);
        if (!f.Citations.Any(c => CitationText.Normalize(c.Fragment).Contains(stated, StringComparison.OrdinalIgnoreCase)))
        {
            Error(at, "as_stated", $"{what}: as_stated '{f.AsStated}' does not occur in any of its citation fragments; quote the wording that carries the value.");
        }

        if (f.Qualifier is FigureQualifier.OrderOfMagnitude)
        {
            var magnitude = StatedValue.OrderOfMagnitude(f.AsStated);
            if (magnitude is null || magnitude != f.Value)
            {
                Error(at, "value", $"{what}: an order_of_magnitude value must be the power of ten named in as_stated ('{f.AsStated}'{(magnitude is null ? string.Empty : $" = {magnitude}")}), not {f.Value}.");
            }

            return;
        }

        if (StatedValue.Parse(f.AsStated) is { } number && number != f.Value)
        {
            Error(at, "value", $"{what}: value {f.Value} does not match as_stated '{f.AsStated}' (= {number}).");
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static readonly FrozenDictionary<GlossaryDimension, IReadOnlyList<string>> GlossaryValues = new Dictionary<GlossaryDimension, IReadOnlyList<string>>
    {
        [GlossaryDimension.Event] = EnumNames<CountedEvent>.All,
        [GlossaryDimension.Criminality] = EnumNames<Criminality>.All,
        [GlossaryDimension.Agency] = EnumNames<Agency>.All,
        [GlossaryDimension.Period] = EnumNames<PeriodBasis>.All.Where(b => b != "unspecified").Append("year_to_date").ToList(),
        [GlossaryDimension.Statistic] = EnumNames<StatisticType>.All,
    }.ToFrozenDictionary();

    private void CheckGlossary(IReadOnlyList<Located<GlossaryEntry>> glossary)
    {
        var phrases = new Dictionary<(GlossaryDimension, string), SourcePosition>();
        foreach (var entry in glossary)
        {
            var (g, at) = (entry.Item, entry.Fields);
            var allowed = GlossaryValues[g.Dimension];
            var dimension = EnumNames<GlossaryDimension>.Name(g.Dimension);
            if (!allowed.Contains(g.Value, StringComparer.Ordinal))
            {
                Error(at, "value", $"invalid value '{g.Value}' for glossary dimension {dimension}.{Hint(g.Value, allowed)} Allowed values: {string.Join(", ", allowed)}.");
            }

            for (var i = 0; i < g.Also.Length; i++)
            {
                if (!allowed.Contains(g.Also[i], StringComparer.Ordinal) || g.Also[i] == g.Value)
                {
                    Error(at, $"also[{i}]", $"invalid 'also' value '{g.Also[i]}' for glossary dimension {dimension}: it must be an allowed value other than '{g.Value}'. Allowed values: {string.Join(", ", allowed)}.");
                }
            }

            for (var i = 0; i < g.Phrases.Length; i++)
            {
                var phrase = g.Phrases[i];
                var withoutPlaceholders = phrase.Replace("{yyyy}", string.Empty, StringComparison.Ordinal)
                    .Replace("{yy}", string.Empty, StringComparison.Ordinal).Replace("{date}", string.Empty, StringComparison.Ordinal);
                if (withoutPlaceholders.Contains('{', StringComparison.Ordinal) || withoutPlaceholders.Contains('}', StringComparison.Ordinal))
                {
                    Error(at, $"phrases[{i}]", $"phrase '{phrase}' uses an unknown placeholder; allowed: {{yyyy}}, {{yy}}, {{date}}.");
                }

                var key = (g.Dimension, phrase.ToUpperInvariant());
                if (phrases.TryGetValue(key, out var first))
                {
                    Error(at, $"phrases[{i}]", $"phrase '{phrase}' is already mapped in dimension {dimension} at {first}; list other readings under 'also' instead.");
                }
                else
                {
                    phrases[key] = at.Of($"phrases[{i}]");
                }
            }
        }
    }
}
