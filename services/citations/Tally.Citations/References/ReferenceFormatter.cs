using System.Text;
using Tally.Analysis;
using Tally.Citations.V1;
using Tally.Common.V1;

namespace Tally.Citations.References;

/// <summary>
/// One citation to list, with its source, the date its snapshot was retrieved and, when the source only reports the
/// figure, the publication it reports from.
/// </summary>
internal sealed record ReferenceInput(Citation Citation, Source Source, string Accessed, Source? Original = null);

/// <summary>
/// Numbers citations [1] [2] … in order of first use and renders them. The same citation id, or another citation
/// quoting the same passage (same source, same fragment after typography normalisation), keeps the first number;
/// merged ids are listed on the reference. Pure.
/// </summary>
internal static class ReferenceFormatter
{
    public static FormatReferencesResponse Format(IReadOnlyList<ReferenceInput> inputs, ReferenceFormat format)
    {
        var response = new FormatReferencesResponse();
        var byId = new Dictionary<string, Reference>(StringComparer.Ordinal);
        var byPassage = new Dictionary<(string Source, string Fragment), Reference>();
        foreach (var input in inputs)
        {
            var citation = input.Citation;
            if (byId.ContainsKey(citation.Id))
            {
                continue;
            }

            var passage = (citation.SourceId, TextNormalizer.ForMatching(citation.Fragment));
            if (byPassage.TryGetValue(passage, out var same))
            {
                same.MergedCitationIds.Add(citation.Id);
                byId[citation.Id] = same;
                continue;
            }

            var reference = new Reference
            {
                Number = response.References.Count + 1,
                CitationId = citation.Id,
                Title = input.Source.Title,
                Publisher = input.Source.Publisher,
                Url = input.Source.Url,
                Link = citation.Link.Length > 0 ? citation.Link : input.Source.Url,
                Fragment = citation.Fragment,
                Verified = citation.Verified,
                SnapshotId = citation.SnapshotId,
                Accessed = input.Accessed.Length > 0 ? input.Accessed : input.Source.RetrievedDate,
                SourceKind = input.Source.Kind,
                LocatorText = LocatorText(citation.Locator),
                PublishedDate = input.Source.PublishedDate,
            };
            if (input.Original is { } original)
            {
                reference.OriginalSourceId = original.Id;
                reference.OriginalTitle = original.Title;
                reference.OriginalPublisher = original.Publisher;
                reference.OriginalUrl = original.Url;
            }

            response.References.Add(reference);
            byId[citation.Id] = reference;
            byPassage[passage] = reference;
        }

        response.Rendered = Render(response.References, format);
        return response;
    }

    /// <summary>"p. 12, Section 1, table 3, row 'FY2024', column 'Removals'"; empty for running text without a locator.</summary>
    public static string LocatorText(Locator? locator)
    {
        if (locator is null)
        {
            return "";
        }

        var parts = new List<string>(5);
        if (locator.Page > 0)
        {
            parts.Add("p. " + locator.Page.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (locator.Section.Length > 0)
        {
            parts.Add(locator.Section);
        }

        if (locator.Table.Length > 0)
        {
            parts.Add("table " + locator.Table);
        }

        if (locator.Row.Length > 0)
        {
            parts.Add($"row {locator.Row}");
        }

        if (locator.Column.Length > 0)
        {
            parts.Add($"column {locator.Column}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>
    /// TEXT: <c>[1] Publisher, Title, locator (accessed YYYY-MM-DD). LINK "fragment"</c>.
    /// MARKDOWN: <c>1. Publisher, [Title](LINK), locator (accessed YYYY-MM-DD): "fragment"</c>.
    /// An unverified quote is marked so, one reference per line.
    /// </summary>
    public static string Render(IEnumerable<Reference> references, ReferenceFormat format)
    {
        var sb = new StringBuilder();
        foreach (var r in references)
        {
            if (sb.Length > 0)
            {
                sb.Append('\n');
            }

            var locator = r.LocatorText.Length > 0 ? ", " + r.LocatorText : "";
            var accessed = r.Accessed.Length > 0 ? $" (accessed {r.Accessed})" : "";
            var quote = $"\"{OneLine(r.Fragment)}\"";
            var unverified = r.Verified ? "" : " [quote not verified against the stored text]";
            var reporting = r.OriginalSourceId.Length > 0 ? $" Reporting {OneLine(r.OriginalPublisher)}, {OneLine(r.OriginalTitle)}." : "";
            if (format == ReferenceFormat.Text)
            {
                sb.Append('[').Append(r.Number).Append("] ").Append(OneLine(r.Publisher)).Append(", ").Append(OneLine(r.Title)).Append(locator).Append(accessed).Append('.');
                if (r.Link.Length > 0)
                {
                    sb.Append(' ').Append(r.Link);
                }

                sb.Append(' ').Append(quote).Append(unverified).Append(reporting);
            }
            else
            {
                var title = EscapeMarkdown(OneLine(r.Title));
                sb.Append(r.Number).Append(". ").Append(EscapeMarkdown(OneLine(r.Publisher))).Append(", ")
                    .Append(r.Link.Length > 0 ? $"[{title}]({MarkdownUrl(r.Link)})" : title)
                    .Append(EscapeMarkdown(locator)).Append(accessed).Append(": ").Append(EscapeMarkdown(quote)).Append(unverified)
                    .Append(EscapeMarkdown(reporting));
            }
        }

        return sb.ToString();
    }

    private static string OneLine(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string EscapeMarkdown(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c is '\\' or '[' or ']' or '*' or '_' or '`' or '<' or '>')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static string MarkdownUrl(string url) =>
        url.Replace(" ", "%20", StringComparison.Ordinal).Replace("(", "%28", StringComparison.Ordinal).Replace(")", "%29", StringComparison.Ordinal);
}
