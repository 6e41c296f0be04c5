using System.Collections.Frozen;
using Tally.Catalog;

namespace Tally.Citations.References;

/// <summary>
/// For catalog citations that quote a secondary source (a fact-check reporting ICE's annual report), the id of the
/// publication the figure comes from, as the catalog records it (<c>original_source</c>). Built once from the catalog.
/// </summary>
internal sealed class OriginalSources(Catalog.Catalog catalog)
{
    private readonly FrozenDictionary<string, string> _byCitation = catalog.Figures
        .SelectMany(f => f.Citations)
        .Where(c => !string.IsNullOrEmpty(c.OriginalSource))
        .GroupBy(c => CitationIds.ForSourceFragment(c.Source, c.Fragment), StringComparer.Ordinal)
        .ToFrozenDictionary(g => g.Key, g => g.First().OriginalSource!, StringComparer.Ordinal);

    /// <summary>The original source id for a citation, or null when the quoted source is the original.</summary>
    public string? For(string citationId) => _byCitation.GetValueOrDefault(citationId);
}
