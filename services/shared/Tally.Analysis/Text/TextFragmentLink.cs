using System.Text;

namespace Tally.Analysis;

/// <summary>
/// Builds links that open a page scrolled to, and highlighting, a quoted passage, per the WICG
/// Scroll-to-Text-Fragment spec: <c>url#:~:text=[prefix-,]textStart[,textEnd][,-suffix]</c>.
/// </summary>
public static class TextFragmentLink
{
    /// <summary>Fragments longer than this many characters are linked as textStart,textEnd.</summary>
    public const int MaxInlineLength = 80;

    /// <summary>Words kept at each end of a long fragment (fewer when the fragment is short in words).</summary>
    public const int EdgeWords = 5;

    /// <summary>
    /// <paramref name="url"/> with any existing fragment removed (an element anchor and a text directive would
    /// compete; the text directive alone says where to scroll) and a text directive for <paramref name="fragment"/>
    /// appended. Whitespace runs in the fragment collapse to single spaces (browsers match rendered text); other
    /// characters are kept as given, so pass the document's own text (see <see cref="FragmentMatch.MatchedText"/>).
    /// Values are percent-encoded as UTF-8, including '-', '&amp;' and ',' which are directive syntax.
    /// </summary>
    public static string Build(string url, string fragment)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(fragment);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ||
            !url.StartsWith(uri.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{url}' is not an absolute http(s) URL; a text-fragment link needs one.", nameof(url));
        }

        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var baseUrl = hash >= 0 ? url[..hash] : url;
        var words = fragment.Replace("\u00AD", string.Empty, StringComparison.Ordinal)
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            throw new ArgumentException("The fragment is empty; there is nothing to link to.", nameof(fragment));
        }

        var text = string.Join(' ', words);
        var sb = new StringBuilder(baseUrl.Length + text.Length + 16).Append(baseUrl).Append("#:~:text=");
        var k = Math.Min(EdgeWords, words.Length / 2);
        if (text.Length <= MaxInlineLength || k < 2)
        {
            sb.Append(Encode(text));
        }
        else
        {
            sb.Append(Encode(string.Join(' ', words[..k]))).Append(',').Append(Encode(string.Join(' ', words[^k..])));
        }

        return sb.ToString();
    }

    /// <summary>Percent-encodes a directive value: everything but unreserved characters, and '-' as well.</summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Uri.EscapeDataString(value).Replace("-", "%2D", StringComparison.Ordinal);
    }
}
