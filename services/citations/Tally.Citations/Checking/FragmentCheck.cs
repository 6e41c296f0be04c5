using System.Globalization;
using Tally.Analysis;
using Tally.Common.V1;
using Outcome = Tally.Common.V1.Verification.Types.Outcome;

namespace Tally.Citations.Checking;

/// <summary>The outcome of looking for a citation's fragment in one snapshot's text.</summary>
internal sealed record CheckResult(Outcome Outcome, string Detail, int CharStart, int CharEnd, string? MatchedText)
{
    public bool Verified => Outcome is Outcome.FoundExact or Outcome.FoundNormalised;
}

/// <summary>
/// Checks a fragment against a snapshot's text with the ONE matcher of the platform, Tally.Analysis'
/// <see cref="FragmentLocator"/>: tolerant of typography (quotes, dashes, spaces and line breaks, case, thousands
/// separators), never of different words or numbers. Verbatim occurrences are reported as FOUND_EXACT. Pure.
/// </summary>
internal static class FragmentCheck
{
    public static CheckResult Check(string snapshotId, string text, FragmentLocator locator, string fragment)
    {
        var shortId = snapshotId.Length > 12 ? snapshotId[..12] : snapshotId;
        if (text.Length == 0)
        {
            return new CheckResult(Outcome.SnapshotMissing, $"Snapshot {shortId} has no extracted text, so the fragment cannot be checked.", 0, 0, null);
        }

        var exact = fragment.Length > 0 ? text.IndexOf(fragment, StringComparison.Ordinal) : -1;
        if (exact >= 0)
        {
            var count = Occurrences(text, fragment);
            return new CheckResult(Outcome.FoundExact,
                Inv($"Fragment found verbatim at characters {exact}-{exact + fragment.Length} of snapshot {shortId}{Repeats(count)}."),
                exact, exact + fragment.Length, fragment);
        }

        var match = locator.Find(fragment);
        if (match is { Found: true, Span: { } span })
        {
            return new CheckResult(Outcome.FoundNormalised,
                Inv($"Fragment found at characters {span.Start}-{span.End} of snapshot {shortId} after typography normalisation (quotes, dashes, spaces and line breaks, case, thousands separators){Repeats(match.Occurrences)}."),
                span.Start, span.End, match.MatchedText);
        }

        return new CheckResult(Outcome.NotFound, $"Fragment not found in snapshot {shortId}: {match.Reason}.", 0, 0, null);
    }

    private static int Occurrences(string text, string fragment)
    {
        var count = 0;
        for (var at = text.IndexOf(fragment, StringComparison.Ordinal); at >= 0; at = text.IndexOf(fragment, at + fragment.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Repeats(int count) => count > 1 ? Inv($" (it occurs {count} times; the first is used)") : "";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Links that open a cited passage.</summary>
internal static class PassageLinks
{
    /// <summary>
    /// The source URL with a text fragment (<c>#:~:text=</c>) for web pages and text, or <c>#page=N</c> for a PDF with a
    /// known page; the URL alone for data files (CSV, TSV, workbooks: the page a browser opens is not the file quoted);
    /// empty when the source has no http(s) URL. <paramref name="passage"/> should be the document's own text.
    /// </summary>
    public static string For(string url, string mediaType, Locator? locator, string passage)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "";
        }

        if (string.Equals(mediaType, "application/pdf", StringComparison.OrdinalIgnoreCase))
        {
            var hash = url.IndexOf('#', StringComparison.Ordinal);
            var baseUrl = hash >= 0 ? url[..hash] : url;
            return locator is { Page: > 0 } ? baseUrl + "#page=" + locator.Page.ToString(CultureInfo.InvariantCulture) : baseUrl;
        }

        if (mediaType is "text/csv" or "text/tab-separated-values" || mediaType.StartsWith("application/vnd.openxmlformats", StringComparison.OrdinalIgnoreCase))
        {
            return url;
        }

        try
        {
            return TextFragmentLink.Build(url, passage);
        }
        catch (ArgumentException)
        {
            return url; // nothing to point at (an empty passage): the page itself
        }
    }
}
