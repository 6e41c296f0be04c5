using System.Text.Json.Serialization;

namespace Tally.Catalog.Model;

/// <summary>
/// A publication or dataset. <see cref="Seed"/> names the stored snapshot whose text holds the quoted
/// fragments (a seed file basename); a source without it is held only as reported by another source.
/// </summary>
public sealed record Source(
    string Id,
    string Publisher,
    string Title,
    Uri? Url,
    SourceKind Kind,
    string? Author,
    string? Published,
    string? Retrieved,
    string? Seed,
    string? Notes)
{
    /// <summary>Where the source is defined (not part of the catalog version).</summary>
    [JsonIgnore]
    public SourcePosition? Position { get; init; }
}
