using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Tally.Catalog.Model;

/// <summary>
/// Everyday phrases that normalise to one value of a dimension (an event, a criminality, an agency, a
/// period basis, a statistic type); <see cref="Also"/> lists other readings an answer must consider.
/// Phrases may contain the placeholders {yyyy}, {yy} and {date}.
/// </summary>
public sealed record GlossaryEntry(
    ImmutableArray<string> Phrases,
    GlossaryDimension Dimension,
    string Value,
    ImmutableArray<string> Also,
    string? Note)
{
    /// <summary>Where the entry is defined (not part of the catalog version).</summary>
    [JsonIgnore]
    public SourcePosition? Position { get; init; }
}
