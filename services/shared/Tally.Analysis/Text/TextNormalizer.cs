using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Tally.Analysis;

/// <summary>
/// Folds typography so that a quoted fragment matches the stored text however either was typeset, while
/// never letting different words or different numbers match. What is folded (the complete list):
/// <list type="bullet">
/// <item>letter case (lower-cased, invariant culture);</item>
/// <item>curly, angle and prime quotes → ' or "; backtick and acute accent used as apostrophes → ';</item>
/// <item>every Unicode dash and the minus sign → '-'; runs of dashes → one '-'; whitespace next to a dash is
/// dropped ("2018 – 2024" ≡ "2018-2024"); a dash between two letters is dropped, so a word hyphenated at a line
/// break ("remov-\nals") ≡ "removals" and "at-large" ≡ "at-\nlarge" (but "at large" is a different spelling);</item>
/// <item>all whitespace (line breaks, tabs, no-break, thin, narrow and figure spaces) → one space, trimmed;
/// whitespace before '%' is dropped ("32.7 %" ≡ "32.7%");</item>
/// <item>soft hyphens, zero-width spaces/joiners, word joiners and byte-order marks are removed;</item>
/// <item>ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ) are expanded, '…' → "...";</item>
/// <item>a letter followed by a combining accent is composed for common Latin letters ("e\u0301" ≡ "é");</item>
/// <item>thousands separators: a comma or a no-break/thin/narrow/figure space between digit groups of exactly
/// three is removed, so "271,484" ≡ "271 484" (thin or no-break space) ≡ "271484". An ordinary ASCII space
/// between digits is NOT a separator (in extracted tables it usually separates two numbers: "271 484" with a
/// plain space stays two numbers), and '.' is never a thousands separator (it is a decimal point).</item>
/// </list>
/// Nothing else changes: digits, letters and other punctuation survive, so "271,484" never matches "271,485",
/// "1,000" never matches "1.000", and "removals" never matches "returns".
/// </summary>
public static partial class TextNormalizer
{
    /// <summary>The folded text only.</summary>
    public static string ForMatching(string text) => Normalize(text).Text;

    /// <summary>The folded text plus, for every folded character, the offset of the original character it came from.</summary>
    public static NormalizedText Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var skip = GroupSeparatorPositions(text);
        var sb = new StringBuilder(text.Length);
        var map = new List<int>(text.Length);
        var pendingSpace = -1; // original index of the first whitespace in a pending run

        for (var i = 0; i < text.Length; i++)
        {
            if (skip is not null && skip.Contains(i))
            {
                continue;
            }

            var c = text[i];
            if (IsIgnorable(c))
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                if (pendingSpace < 0)
                {
                    pendingSpace = i;
                }

                continue;
            }

            // Compose base letter + combining accent (invariant globalization has no NFC).
            if (i + 1 < text.Length && CombiningMarks.Contains(text[i + 1], StringComparison.Ordinal) &&
                Composed.TryGetValue((c, text[i + 1]), out var composed))
            {
                Emit(sb, map, char.ToLowerInvariant(composed), i, ref pendingSpace);
                i++;
                continue;
            }

            var folded = Fold(c);
            if (folded is null)
            {
                Emit(sb, map, char.ToLowerInvariant(c), i, ref pendingSpace);
            }
            else
            {
                foreach (var f in folded)
                {
                    Emit(sb, map, f, i, ref pendingSpace);
                }
            }
        }

        return new NormalizedText(text, sb.ToString(), [.. map]);
    }

    private static void Emit(StringBuilder sb, List<int> map, char c, int originalIndex, ref int pendingSpace)
    {
        if (c == '-')
        {
            pendingSpace = -1; // whitespace before a dash is insignificant
            if (sb.Length > 0 && sb[^1] == '-')
            {
                return; // a run of dashes is one dash
            }
        }
        else if (pendingSpace >= 0)
        {
            if (sb.Length > 0 && sb[^1] != '-' && c != '%')
            {
                sb.Append(' ');
                map.Add(pendingSpace);
            }

            pendingSpace = -1;
        }

        if (char.IsLetter(c) && sb.Length >= 2 && sb[^1] == '-' && char.IsLetter(sb[^2]))
        {
            sb.Length--; // a dash between two letters: hyphenation or compound spelling, both folded away
            map.RemoveAt(map.Count - 1);
        }

        sb.Append(c);
        map.Add(originalIndex);
    }

    private static bool IsIgnorable(char c) => c is '\u00AD' or '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF';

    private static string? Fold(char c) => c switch
    {
        '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u2032' or '\u2039' or '\u203A' or '`' or '\u00B4' => "'",
        '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u2033' or '\u00AB' or '\u00BB' => "\"",
        '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212' or '\u2043' or '\uFE58' or '\uFE63' or '\uFF0D' => "-",
        '\u2026' => "...",
        '\uFB00' => "ff",
        '\uFB01' => "fi",
        '\uFB02' => "fl",
        '\uFB03' => "ffi",
        '\uFB04' => "ffl",
        '\uFB05' or '\uFB06' => "st",
        _ => null,
    };

    /// <summary>Original offsets of thousands separators (',' or special spaces between 3-digit groups), or null.</summary>
    private static HashSet<int>? GroupSeparatorPositions(string text)
    {
        HashSet<int>? skip = null;
        foreach (var m in GroupedNumberRegex().EnumerateMatches(text))
        {
            skip ??= [];
            for (var k = m.Index; k < m.Index + m.Length; k++)
            {
                if (!char.IsAsciiDigit(text[k]))
                {
                    skip.Add(k);
                }
            }
        }

        return skip;
    }

    [GeneratedRegex(@"(?<![\d.,\u00A0\u2007\u2008\u2009\u202F])\d{1,3}(?:[,\u00A0\u2007\u2008\u2009\u202F]\d{3})+(?![\d]|[,\u00A0\u2007\u2008\u2009\u202F]\d)", RegexOptions.CultureInvariant)]
    private static partial Regex GroupedNumberRegex();

    private const string CombiningMarks = "\u0300\u0301\u0302\u0303\u0308\u0327\u030A";

    private static readonly Dictionary<(char Base, char Mark), char> Composed = BuildComposed();

    private static Dictionary<(char, char), char> BuildComposed()
    {
        // base letters × marks (grave, acute, circumflex, tilde, diaeresis, cedilla, ring) → precomposed letter
        const string table =
            "a\u0300à a\u0301á a\u0302â a\u0303ã a\u0308ä a\u030Aå e\u0300è e\u0301é e\u0302ê e\u0308ë " +
            "i\u0300ì i\u0301í i\u0302î i\u0308ï o\u0300ò o\u0301ó o\u0302ô o\u0303õ o\u0308ö " +
            "u\u0300ù u\u0301ú u\u0302û u\u0308ü n\u0303ñ c\u0327ç y\u0301ý y\u0308ÿ " +
            "A\u0300À A\u0301Á A\u0302Â A\u0303Ã A\u0308Ä A\u030AÅ E\u0300È E\u0301É E\u0302Ê E\u0308Ë " +
            "I\u0300Ì I\u0301Í I\u0302Î I\u0308Ï O\u0300Ò O\u0301Ó O\u0302Ô O\u0303Õ O\u0308Ö " +
            "U\u0300Ù U\u0301Ú U\u0302Û U\u0308Ü N\u0303Ñ C\u0327Ç Y\u0301Ý";
        var d = new Dictionary<(char, char), char>();
        foreach (var entry in table.Split(' '))
        {
            d[(entry[0], entry[1])] = entry[2];
        }

        return d;
    }

    internal static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark;
}

/// <summary>
/// Text folded by <see cref="TextNormalizer"/> and a map from each folded character back to the original.
/// </summary>
public sealed class NormalizedText
{
    private readonly int[] _map;

    internal NormalizedText(string original, string text, int[] map)
    {
        Original = original;
        Text = text;
        _map = map;
    }

    public string Original { get; }

    public string Text { get; }

    /// <summary>Original offset of folded character <paramref name="index"/>.</summary>
    public int OriginalIndex(int index) => _map[index];

    /// <summary>
    /// The original span covering folded span [start, start + length): from the first folded character's
    /// source to the end of the last one's source.
    /// </summary>
    public TextSpan ToOriginal(int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, Text.Length);
        var first = _map[start];
        var last = _map[start + length - 1];
        var end = last + 1;
        if (end < Original.Length && char.IsLowSurrogate(Original[end]))
        {
            end++;
        }

        // a composed accent consumed the combining mark that followed
        if (end < Original.Length && "\u0300\u0301\u0302\u0303\u0308\u0327\u030A".Contains(Original[end], StringComparison.Ordinal))
        {
            end++;
        }

        return new TextSpan(first, end - first);
    }
}
