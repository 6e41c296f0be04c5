using System.Text.RegularExpressions;

namespace Tally.Analysis;

/// <summary>A word of a question: lower-cased, punctuation stripped, with its light stem and span in the original.</summary>
public sealed record Token(string Text, string Stem, TextSpan Span, bool IsStopWord)
{
    /// <summary>True for numbers ("271484", "32.7").</summary>
    public bool IsNumber => Text.Length > 0 && char.IsAsciiDigit(Text[0]);
}

/// <summary>
/// Splits text into <see cref="Token"/>s. Words split at spaces, punctuation and hyphens ("book-outs" → "book",
/// "outs"); dotted acronyms join ("U.S." → "us"); possessives drop ("ICE's" → "ice"); numbers keep their decimal
/// point and lose thousands separators ("271,484" → "271484").
/// </summary>
public static partial class Tokenizer
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "with", "from", "into", "and", "or", "but", "as", "than",
        "how", "many", "much", "what", "which", "who", "whom", "when", "where", "why", "is", "are", "was", "were", "be", "been",
        "being", "did", "do", "does", "has", "have", "had", "that", "this", "these", "those", "it", "its", "their", "there",
        "they", "them", "he", "she", "his", "her", "we", "our", "you", "your", "i", "me", "my", "any", "all", "per", "each",
        "about", "so", "if", "not", "no", "can", "could", "would", "should", "will", "may", "might", "get", "got",
    };

    public static IReadOnlyList<Token> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<Token>();
        foreach (Match m in TokenRegex().Matches(text))
        {
            string word;
            if (m.Groups["acr"].Success)
            {
                word = m.Value.Replace(".", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
            }
            else if (m.Groups["num"].Success)
            {
                word = m.Value.Replace(",", string.Empty, StringComparison.Ordinal);
            }
            else
            {
                word = m.Value.ToLowerInvariant().Replace('’', '\'');
                if (word.EndsWith("'s", StringComparison.Ordinal))
                {
                    word = word[..^2];
                }

                word = word.Replace("'", string.Empty, StringComparison.Ordinal);
            }

            if (word.Length == 0)
            {
                continue;
            }

            var stem = m.Groups["num"].Success ? word : Stemmer.Stem(word);
            tokens.Add(new Token(word, stem, new TextSpan(m.Index, m.Length), StopWords.Contains(word)));
        }

        return tokens;
    }

    [GeneratedRegex(@"(?<acr>(?:[A-Za-z]\.){2,})(?![A-Za-z])|(?<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)|[\p{L}\p{M}\p{N}]+(?:['’][\p{L}]+)*", RegexOptions.CultureInvariant)]
    private static partial Regex TokenRegex();
}

/// <summary>
/// A light, deterministic English stemmer for matching, not for display: plural and verb endings are removed and
/// a final 'e' is dropped so related forms meet ("removals" → "removal", "deported" → "deport", "released" and
/// "release" → "releas", "rising" and "rose" → "ris"). Applied identically to questions and glossary terms.
/// </summary>
public static class Stemmer
{
    private static readonly Dictionary<string, string> Irregular = new(StringComparer.Ordinal)
    {
        ["children"] = "child", ["people"] = "person", ["persons"] = "person", ["men"] = "man", ["women"] = "woman",
        ["criteria"] = "criterion", ["rose"] = "rise", ["risen"] = "rise", ["fell"] = "fall", ["fallen"] = "fall",
        ["grew"] = "grow", ["grown"] = "grow", ["held"] = "hold", ["kept"] = "keep", ["caught"] = "catch", ["sent"] = "send",
        ["went"] = "go", ["gone"] = "go", ["made"] = "make", ["taken"] = "take", ["took"] = "take", ["left"] = "leave",
    };

    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var w = word.ToLowerInvariant();
        if (Irregular.TryGetValue(w, out var baseForm))
        {
            w = baseForm;
        }

        if (w.Length <= 3 || !char.IsLetter(w[0]))
        {
            return w;
        }

        // plurals
        if (w.EndsWith("ies", StringComparison.Ordinal) && w.Length > 4)
        {
            w = w[..^3] + "y";
        }
        else if (w.EndsWith("sses", StringComparison.Ordinal) || w.EndsWith("xes", StringComparison.Ordinal) ||
                 w.EndsWith("ches", StringComparison.Ordinal) || w.EndsWith("shes", StringComparison.Ordinal))
        {
            w = w[..^2];
        }
        else if (w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal) && !w.EndsWith("us", StringComparison.Ordinal) &&
                 !w.EndsWith("is", StringComparison.Ordinal))
        {
            w = w[..^1];
        }

        // verb endings
        if (w.EndsWith("ied", StringComparison.Ordinal) && w.Length > 4)
        {
            w = w[..^3] + "y";
        }
        else if (w.EndsWith("ed", StringComparison.Ordinal) && !w.EndsWith("eed", StringComparison.Ordinal) && w.Length > 4 && HasVowel(w.AsSpan(0, w.Length - 2)))
        {
            w = Undouble(w[..^2]);
        }
        else if (w.EndsWith("ing", StringComparison.Ordinal) && w.Length > 5 && HasVowel(w.AsSpan(0, w.Length - 3)))
        {
            w = Undouble(w[..^3]);
        }

        if (w.EndsWith('e') && w.Length > 3)
        {
            w = w[..^1];
        }

        return w;
    }

    private static readonly System.Buffers.SearchValues<char> Vowels = System.Buffers.SearchValues.Create("aeiouy");

    private static bool HasVowel(ReadOnlySpan<char> s) => s.IndexOfAny(Vowels) >= 0;

    private static string Undouble(string w) =>
        w.Length >= 3 && w[^1] == w[^2] && !"aeiouylsz".Contains(w[^1], StringComparison.Ordinal) ? w[..^1] : w;
}
