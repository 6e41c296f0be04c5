using Tally.Citations.V1;
using Tally.Common.V1;

namespace Tally.Query.Composition;

/// <summary>
/// Numbers citations [1] [2] … in order of first use. Each figure is cited by one passage: its first verified
/// citation, else its first. The same passage keeps its number wherever it is used again.
/// </summary>
public sealed class CitationBook
{
    private readonly List<Citation> _citations = [];
    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);

    /// <summary>Citations in number order (number = index + 1).</summary>
    public IReadOnlyList<Citation> Citations => _citations;

    /// <summary>Numbers the figure's citing passage; empty when the figure has none.</summary>
    public IReadOnlyList<int> Cite(Figure figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        var citation = figure.Citations.FirstOrDefault(c => c.Verified) ?? figure.Citations.FirstOrDefault();
        return citation is null ? [] : [Number(citation)];
    }

    public int Number(Citation citation)
    {
        ArgumentNullException.ThrowIfNull(citation);
        var key = string.IsNullOrEmpty(citation.Id) ? $"{citation.SnapshotId}\u001f{citation.SourceId}\u001f{citation.Fragment}" : citation.Id;
        if (_numbers.TryGetValue(key, out var n))
        {
            return n;
        }

        _citations.Add(citation);
        n = _citations.Count;
        _numbers[key] = n;
        return n;
    }

    /// <summary>" [1]" or " [1] [2]"; empty when there is nothing to cite.</summary>
    public static string Marker(IEnumerable<int> numbers)
    {
        var list = numbers.Distinct().ToList();
        return list.Count == 0 ? string.Empty : " " + string.Join(' ', list.Select(n => $"[{n}]"));
    }

    /// <summary>
    /// A reference built from the citation alone, for when the citation service cannot format it: the source id
    /// stands in for title and publisher.
    /// </summary>
    public static Reference Fallback(Citation citation, int number)
    {
        ArgumentNullException.ThrowIfNull(citation);
        var url = citation.Link;
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        return new Reference
        {
            Number = number,
            CitationId = citation.Id,
            Title = citation.SourceId,
            Publisher = string.Empty,
            Url = hash < 0 ? url : url[..hash],
            Link = citation.Link,
            Fragment = citation.Fragment,
            Verified = citation.Verified,
            SnapshotId = citation.SnapshotId,
            LocatorText = Locator(citation.Locator),
        };
    }

    /// <summary>"p. 12, Enforcement and Removal Operations, table 3" — the parts that are set.</summary>
    public static string Locator(Tally.Common.V1.Locator? locator)
    {
        if (locator is null)
        {
            return string.Empty;
        }

        var parts = new List<string>();
        if (locator.Page > 0)
        {
            parts.Add($"p. {locator.Page}");
        }

        parts.AddRange(new[] { locator.Section, locator.Table, locator.Row, locator.Column }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return string.Join(", ", parts);
    }
}
