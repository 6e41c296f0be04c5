using System.Text.Json.Serialization;

namespace Tally.Catalog.Model;

/// <summary>
/// A typed relation: <c>From</c> subset_of / component_of / supersedes <c>To</c>, or the two are
/// not interchangeable (symmetric). <see cref="Caveat"/> is the caveat code an answer raises.
/// </summary>
public sealed record MetricRelation(string From, string To, RelationType Type, string Reason, string? Caveat)
{
    /// <summary>Where the relation is defined (not part of the catalog version).</summary>
    [JsonIgnore]
    public SourcePosition? Position { get; init; }

    /// <summary>True when the relation connects <paramref name="metricId"/> to something.</summary>
    public bool Involves(string metricId) =>
        string.Equals(From, metricId, StringComparison.Ordinal) || string.Equals(To, metricId, StringComparison.Ordinal);
}
