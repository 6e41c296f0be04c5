using System.Collections.Frozen;
using System.Collections.Immutable;
using Tally.Catalog.Model;

namespace Tally.Catalog;

/// <summary>
/// A loaded, fully validated catalog. Collections are sorted (sources, metrics and figures by id,
/// relations by from/to/type) so that the same content always reads the same way, whatever the file
/// layout. <see cref="Version"/> is a hash of the normalised content: it changes when any definition,
/// figure, relation, source or glossary entry changes, and not for comments, key order or layout.
/// </summary>
public sealed class Catalog
{
    private readonly FrozenDictionary<string, Source> _sources;
    private readonly FrozenDictionary<string, MetricDefinition> _metrics;
    private readonly FrozenDictionary<string, ImmutableArray<Figure>> _figuresByMetric;

    internal Catalog(
        string version,
        ImmutableArray<Source> sources,
        ImmutableArray<MetricDefinition> metrics,
        ImmutableArray<MetricRelation> relations,
        ImmutableArray<Figure> figures,
        ImmutableArray<GlossaryEntry> glossary)
    {
        Version = version;
        Sources = sources;
        Metrics = metrics;
        Relations = relations;
        Figures = figures;
        Glossary = glossary;
        _sources = sources.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
        _metrics = metrics.ToFrozenDictionary(m => m.Id, StringComparer.Ordinal);
        _figuresByMetric = figures.GroupBy(f => f.Metric, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToImmutableArray(), StringComparer.Ordinal);
    }

    /// <summary>Deterministic content hash (16 lowercase hex digits of a SHA-256).</summary>
    public string Version { get; }

    public ImmutableArray<Source> Sources { get; }

    public ImmutableArray<MetricDefinition> Metrics { get; }

    public ImmutableArray<MetricRelation> Relations { get; }

    public ImmutableArray<Figure> Figures { get; }

    public ImmutableArray<GlossaryEntry> Glossary { get; }

    /// <summary>The metric with this id, or null.</summary>
    public MetricDefinition? FindMetric(string id) => _metrics.GetValueOrDefault(id);

    /// <summary>The metric with this id; throws <see cref="KeyNotFoundException"/> naming the id.</summary>
    public MetricDefinition GetMetric(string id) =>
        FindMetric(id) ?? throw new KeyNotFoundException($"The catalog (version {Version}) has no metric '{id}'.");

    /// <summary>The source with this id, or null.</summary>
    public Source? FindSource(string id) => _sources.GetValueOrDefault(id);

    /// <summary>Figures recorded for a metric, sorted by id (empty when none).</summary>
    public ImmutableArray<Figure> FiguresFor(string metricId) =>
        _figuresByMetric.TryGetValue(metricId, out var figures) ? figures : [];

    /// <summary>Relations in which the metric takes part, at either end.</summary>
    public ImmutableArray<MetricRelation> RelationsOf(string metricId) =>
        Relations.Where(r => r.Involves(metricId)).ToImmutableArray();
}
