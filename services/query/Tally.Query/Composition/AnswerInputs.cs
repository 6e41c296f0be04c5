using System.Collections.Frozen;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Ingestion.V1;

namespace Tally.Query.Composition;

/// <summary>
/// The registry as the composer sees it: every metric definition and every relation of one catalog version.
/// Built by the gatherer from ListMetrics/ListRelations (and by tests from the bundled catalog).
/// </summary>
public sealed class RegistryView
{
    private readonly FrozenDictionary<string, MetricDefinition> _metrics;
    private readonly FrozenDictionary<string, Relation[]> _relationsByMetric;
    private readonly RegistryView? _original;

    public RegistryView(int catalogVersion, IEnumerable<MetricDefinition> metrics, IEnumerable<Relation> relations)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(relations);
        CatalogVersion = catalogVersion;
        _metrics = metrics.GroupBy(m => m.Id, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.MaxBy(m => m.Version)!, StringComparer.Ordinal);
        Relations = relations.ToArray();
        _relationsByMetric = Relations
            .SelectMany(r => new[] { (Id: r.FromMetricId, Relation: r), (Id: r.ToMetricId, Relation: r) })
            .GroupBy(x => x.Id, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.Relation).Distinct().ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The same registry with some definitions shown differently (computed metrics without values shown as their gap).</summary>
    private RegistryView(RegistryView original, IEnumerable<MetricDefinition> replacements)
    {
        _original = original._original ?? original;
        CatalogVersion = original.CatalogVersion;
        var replaced = replacements.ToDictionary(m => m.Id, StringComparer.Ordinal);
        _metrics = original._metrics.ToFrozenDictionary(kv => kv.Key, kv => replaced.GetValueOrDefault(kv.Key) ?? kv.Value, StringComparer.Ordinal);
        Relations = original.Relations;
        _relationsByMetric = original._relationsByMetric;
    }

    /// <summary>A view of this registry in which each of <paramref name="replacements"/> stands in for the metric with its id.</summary>
    public RegistryView With(IReadOnlyCollection<MetricDefinition> replacements)
    {
        ArgumentNullException.ThrowIfNull(replacements);
        return replacements.Count == 0 ? this : new RegistryView(this, replacements);
    }

    /// <summary>The metric as the definitions service gave it, before any stand-in of <see cref="With"/>.</summary>
    public MetricDefinition? Original(string metricId) => (_original ?? this).Find(metricId);

    /// <summary>Catalog version the registry was read at.</summary>
    public int CatalogVersion { get; }

    public IReadOnlyCollection<MetricDefinition> Metrics => _metrics.Values;

    public IReadOnlyList<Relation> Relations { get; }

    public MetricDefinition? Find(string metricId) => _metrics.GetValueOrDefault(metricId);

    /// <summary>Relations with the metric at either end, in registry order.</summary>
    public IReadOnlyList<Relation> RelationsOf(string metricId) =>
        _relationsByMetric.TryGetValue(metricId, out var relations) ? relations : [];

    /// <summary>The other end of a relation seen from <paramref name="metricId"/>.</summary>
    public static string OtherEnd(Relation relation, string metricId) =>
        string.Equals(relation.FromMetricId, metricId, StringComparison.Ordinal) ? relation.ToMetricId : relation.FromMetricId;

    /// <summary>Derived metrics whose formula uses <paramref name="metricId"/> as an operand.</summary>
    public IEnumerable<MetricDefinition> DerivedUsing(string metricId) =>
        _metrics.Values.Where(m => m.Derived is { } d && d.Operands.Any(o => o.MetricId == metricId)).OrderBy(m => m.Id, StringComparer.Ordinal);

    /// <summary>
    /// Metrics whose figures an answer about <paramref name="candidateIds"/> may use: the candidates, their
    /// relations' other ends, the parts and wholes of those (subset/component relations, derived operands),
    /// and derived metrics over any of them (published shares and totals to cross-check).
    /// </summary>
    public IReadOnlyList<string> FigureNeeds(IEnumerable<string> candidateIds)
    {
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        var first = candidateIds.Where(id => _metrics.ContainsKey(id)).ToList();
        foreach (var id in first)
        {
            needed.Add(id);
            foreach (var r in RelationsOf(id))
            {
                needed.Add(OtherEnd(r, id));
            }
        }

        foreach (var id in needed.ToList())
        {
            foreach (var r in RelationsOf(id).Where(r => r.Type is RelationType.SubsetOf or RelationType.ComponentOf))
            {
                needed.Add(OtherEnd(r, id));
            }

            if (Find(id)?.Derived is { } derived)
            {
                needed.UnionWith(derived.Operands.Select(o => o.MetricId));
            }
        }

        foreach (var id in needed.ToList())
        {
            needed.UnionWith(DerivedUsing(id).Select(m => m.Id));
        }

        needed.RemoveWhere(id => !_metrics.TryGetValue(id, out var m) || m.Gap is not null);
        return needed.ToList();
    }
}

/// <summary>Everything the composer needs for one question; no I/O happens after this is built.</summary>
public sealed record AnswerInputs
{
    /// <summary>The question as received.</summary>
    public required string Question { get; init; }

    /// <summary>How the definitions service read the question; null for GetFigure (no question parsing).</summary>
    public ParsedQuestion? Parsed { get; init; }

    /// <summary>Ranked candidates from ResolveQuestion, best first.</summary>
    public IReadOnlyList<Candidate> Candidates { get; init; } = [];

    public required RegistryView Registry { get; init; }

    /// <summary>Figures by metric id (every review state except REJECTED, as ListFigures returns them).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<Figure>> Figures { get; init; }

    /// <summary>
    /// What the ingestion service computed for computed metrics (ComputeMetric), by metric id. A computed metric missing
    /// here, or without a value for any year, is answered as not available yet (see <see cref="ComputedMetrics"/>).
    /// </summary>
    public IReadOnlyDictionary<string, ComputeMetricResponse> Computed { get; init; } = new Dictionary<string, ComputeMetricResponse>();

    /// <summary>Metric the reader chose after a NEEDS_CLARIFICATION answer; null otherwise.</summary>
    public string? ChosenMetricId { get; init; }

    /// <summary>
    /// The metric was asked for by id (GetFigure), not by a question: it is exactly what was asked, so nothing about what
    /// it counts, whom or how can differ from the request; only the period, dimensions and vintage still can.
    /// </summary>
    public bool ByMetricId { get; init; }

    /// <summary>Period asked for when there is no parse (GetFigure); ignored when <see cref="Parsed"/> is set.</summary>
    public Period? Period { get; init; }

    /// <summary>Dimensions asked for (GetFigure); empty for the metric's total.</summary>
    public IReadOnlyList<Dimension> Dimensions { get; init; } = [];

    /// <summary>Vintage asked for (GetFigure); empty for the preferred one.</summary>
    public string Vintage { get; init; } = "";

    /// <summary>Maximum related figures; 0 or less for the default (5).</summary>
    public int MaxRelated { get; init; }

    /// <summary>The day the answer is composed (relative periods, "checked on" dates).</summary>
    public DateOnly Today { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow);

    public IReadOnlyList<Figure> FiguresOf(string metricId) =>
        Figures.TryGetValue(metricId, out var figures) ? figures : [];
}
