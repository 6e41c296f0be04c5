using System.Collections.Frozen;
using Tally.Definitions.Explanation;
using Tally.Definitions.Resolution;
using Tally.Definitions.Storage;
using Tally.Definitions.V1;

namespace Tally.Definitions.Registry;

/// <summary>
/// An immutable, in-memory read model of one registry version: current definitions by id, the alias index,
/// relations (with the property differences behind each) by metric, the glossary, and the resolver's index.
/// Rebuilt after every change and swapped atomically, so readers never lock.
/// </summary>
public sealed class RegistrySnapshot
{
    private RegistrySnapshot(int catalogVersion, IReadOnlyList<StoredMetric> metrics, IReadOnlyList<Relation> relations, IReadOnlyList<GlossaryEntry> glossary)
    {
        CatalogVersion = catalogVersion;
        Metrics = metrics.Select(m => m.Definition).OrderBy(m => m.Id, StringComparer.Ordinal).ToArray();
        ById = Metrics.ToFrozenDictionary(m => m.Id, StringComparer.Ordinal);
        Stored = metrics.ToFrozenDictionary(m => m.Definition.Id, StringComparer.Ordinal);
        Ids = Metrics.Select(m => m.Id).ToArray();

        Relations = relations
            .Select(r => WithDifferences(r, ById))
            .OrderBy(r => r.FromMetricId, StringComparer.Ordinal).ThenBy(r => r.ToMetricId, StringComparer.Ordinal).ThenBy(r => r.Type)
            .ToArray();
        RelationsByMetric = Relations
            .SelectMany(r => new[] { (Id: r.FromMetricId, Relation: r), (Id: r.ToMetricId, Relation: r) })
            .GroupBy(x => x.Id, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<Relation>)g.Select(x => x.Relation).Distinct().ToArray(), StringComparer.Ordinal);
        Glossary = glossary.OrderBy(g => g.Term, StringComparer.Ordinal).ThenBy(g => g.Kind).ToArray();
        AliasIndex = Metrics
            .SelectMany(m => m.Aliases.Select(a => (Alias: a.Trim().ToLowerInvariant(), m.Id)))
            .GroupBy(x => x.Alias, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(x => x.Id).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        Resolver = new ResolverIndex(Metrics, Glossary, Relations);
    }

    /// <summary>Changes whenever any definition, relation or glossary entry changes (the highest change number).</summary>
    public int CatalogVersion { get; }

    /// <summary>Current definitions, ordered by id.</summary>
    public IReadOnlyList<MetricDefinition> Metrics { get; }

    public IReadOnlyList<string> Ids { get; }

    public FrozenDictionary<string, MetricDefinition> ById { get; }

    /// <summary>Current versions with their content hash and origin.</summary>
    public FrozenDictionary<string, StoredMetric> Stored { get; }

    /// <summary>Relations ordered by from, to, type; each lists the property differences between its two metrics.</summary>
    public IReadOnlyList<Relation> Relations { get; }

    public FrozenDictionary<string, IReadOnlyList<Relation>> RelationsByMetric { get; }

    /// <summary>Lower-case alias → metric ids that use it.</summary>
    public FrozenDictionary<string, IReadOnlyList<string>> AliasIndex { get; }

    /// <summary>Glossary entries ordered by term.</summary>
    public IReadOnlyList<GlossaryEntry> Glossary { get; }

    internal ResolverIndex Resolver { get; }

    public static RegistrySnapshot Build(RegistryData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new RegistrySnapshot(data.CatalogVersion, data.Metrics, data.Relations, data.Glossary);
    }

    public MetricDefinition? Find(string id) => ById.GetValueOrDefault(id);

    /// <summary>Relations between two metrics, in either direction.</summary>
    public IReadOnlyList<Relation> RelationsBetween(string a, string b) =>
        RelationsByMetric.TryGetValue(a, out var relations)
            ? relations.Where(r => (r.FromMetricId == a && r.ToMetricId == b) || (r.FromMetricId == b && r.ToMetricId == a)).ToArray()
            : [];

    private static Relation WithDifferences(Relation relation, FrozenDictionary<string, MetricDefinition> byId)
    {
        if (!byId.TryGetValue(relation.FromMetricId, out var from) || !byId.TryGetValue(relation.ToMetricId, out var to))
        {
            return relation;
        }

        var copy = relation.Clone();
        foreach (var code in DifferenceExplainer.Compare(to, from).Select(d => d.Code)
                     .Where(c => c != Tally.Common.V1.Caveat.Types.Code.Unspecified && !copy.Differences.Contains(c)).Distinct())
        {
            copy.Differences.Add(code);
        }

        return copy;
    }
}
