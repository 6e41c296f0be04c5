using System.Text;

namespace Tally.Catalog;

/// <summary>
/// The typography normalisation under which a citation fragment must occur in its source text:
/// curly quotes become straight, every dash and non-breaking hyphen becomes '-', an ellipsis becomes
/// "...", non-breaking and thin spaces become spaces, and runs of whitespace collapse to one space.
/// Case is kept.
/// </summary>
public static class CitationText
{
    /// <summary>Normalises <paramref name="text"/> as described on the type.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c is '\u00A0' or '\u2007' or '\u2009' or '\u202F' or '\u200A' or '\u2002' or '\u2003')
            {
                pendingSpace = result.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                result.Append(' ');
                pendingSpace = false;
            }

            switch (c)
            {
                case '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u2032':
                    result.Append('\'');
                    break;
                case '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u2033':
                    result.Append('"');
                    break;
                case '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212':
                    result.Append('-');
                    break;
                case '\u2026':
                    result.Append("...");
                    break;
                case '\u00AD' or '\u200B' or '\uFEFF':
                    break; // soft hyphen, zero-width space, BOM: invisible
                default:
                    result.Append(c);
                    break;
            }
        }

        return result.ToString();
    }

    /// <summary>True when <paramref name="fragment"/> occurs in <paramref name="text"/> after normalisation of both.</summary>
    public static bool Contains(string text, string fragment) =>
        Normalize(text).Contains(Normalize(fragment), StringComparison.Ordinal);
}
