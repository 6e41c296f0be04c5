using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Tally.Catalog.Model;

/// <summary>
/// A published figure (observation): a metric's value for a period (and dimensions), as the source
/// states it, with at least one citation. <see cref="AsStated"/> is the source's own wording of the value.
/// </summary>
public sealed record Figure(
    string Id,
    string Metric,
    CatalogPeriod Period,
    string? PeriodNote,
    ImmutableSortedDictionary<string, string> Dimensions,
    decimal Value,
    string AsStated,
    FigureQualifier Qualifier,
    FigureStatus Status,
    MeasureUnit Unit,
    string? AttributedTo,
    ImmutableArray<Citation> Citations,
    ImmutableArray<Caveat> Caveats,
    string? Notes)
{
    /// <summary>Where the figure is defined (not part of the catalog version).</summary>
    [JsonIgnore]
    public SourcePosition? Position { get; init; }
}

/// <summary>
/// A citation: <see cref="Source"/> holds the text (its snapshot), <see cref="Fragment"/> is the exact
/// words carrying the figure (modulo typography), <see cref="OriginalSource"/> the publication the
/// citing text reports the figure from, and <see cref="Ref"/> the citing text's own reference marks.
/// </summary>
public sealed record Citation(string Source, string Locator, string Fragment, string? OriginalSource, string? Ref);
