namespace Tally.Analysis;

/// <summary>
/// Splits text into sentences. A sentence ends at '.', '!' or '?' (plus closing quotes/brackets) followed by
/// whitespace and an upper-case letter, digit, quote, bracket or bullet — unless the word before the period is an
/// abbreviation ("U.S.", "Dec.", "No.", "Mr.", initials) or a list number at the start of a line ("1. The…").
/// Blank lines and lines starting with a bullet or a list number always start a new sentence. A single line break
/// inside a paragraph does not (stat cards such as "113,431\nadministrative arrests" stay together).
/// </summary>
public static class SentenceSplitter
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.Ordinal)
    {
        "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
        "No", "Nos", "Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Rep", "Reps", "Gov", "Gen", "Lt", "Col", "Sgt", "Capt",
        "St", "Jr", "Sr", "Inc", "Ltd", "Co", "Corp", "Dept", "Univ", "Assn", "vs", "v", "approx", "est", "Fig", "fig",
        "p", "pp", "para", "sec", "Sec", "art", "Art", "ch", "Ch", "vol", "Vol", "Ave", "Blvd", "Mt", "Ft", "cf", "al",
        "e.g", "i.e", "U.S", "U.N", "D.C", "U.K", "E.U", "a.k.a",
    };

    private const string ClosingChars = "\"'”’)]»";
    private const string Bullets = "•·◦▪‣●■-*–";

    public static IReadOnlyList<TextSpan> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<TextSpan>();
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n' && StartsNewBlock(text, i))
            {
                Add(result, text, start, i);
                start = i + 1;
                i++;
                continue;
            }

            if (c is '.' or '!' or '?' or '…')
            {
                var end = i + 1;
                while (end < text.Length && ClosingChars.Contains(text[end], StringComparison.Ordinal))
                {
                    end++;
                }

                if (end >= text.Length || (char.IsWhiteSpace(text[end]) && IsBoundary(text, i, end)))
                {
                    Add(result, text, start, end);
                    start = end;
                    i = end;
                    continue;
                }
            }

            i++;
        }

        Add(result, text, start, text.Length);
        return result;
    }

    /// <summary>The sentence span containing <paramref name="offset"/>, or null if it lies between sentences.</summary>
    public static TextSpan? SentenceAt(IReadOnlyList<TextSpan> sentences, int offset)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        int lo = 0, hi = sentences.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            var s = sentences[mid];
            if (offset < s.Start)
            {
                hi = mid - 1;
            }
            else if (offset >= s.End)
            {
                lo = mid + 1;
            }
            else
            {
                return s;
            }
        }

        return null;
    }

    private static bool IsBoundary(string text, int punct, int afterClosing)
    {
        var next = afterClosing;
        var sawBlankLine = false;
        var newlines = 0;
        while (next < text.Length && char.IsWhiteSpace(text[next]))
        {
            if (text[next] == '\n' && ++newlines >= 2)
            {
                sawBlankLine = true;
            }

            next++;
        }

        if (sawBlankLine || next >= text.Length)
        {
            return true;
        }

        var n = text[next];
        if (!(char.IsUpper(n) || char.IsDigit(n) || "\"'“‘([".Contains(n, StringComparison.Ordinal) || Bullets.Contains(n, StringComparison.Ordinal)))
        {
            return false;
        }

        if (text[punct] != '.')
        {
            return true;
        }

        // the word before the period
        var wStart = punct;
        while (wStart > 0 && !char.IsWhiteSpace(text[wStart - 1]) && text[wStart - 1] is not ('(' or '"' or '“'))
        {
            wStart--;
        }

        var word = text.AsSpan(wStart, punct - wStart);
        if (word.Length == 0)
        {
            return true;
        }

        if (Abbreviations.GetAlternateLookup<ReadOnlySpan<char>>().Contains(word))
        {
            return false;
        }

        if (word.Length == 1 && char.IsUpper(word[0]))
        {
            return false; // an initial: "J. Smith"
        }

        if (IsDottedAcronym(word))
        {
            return false; // "U.S", "D.H.S"
        }

        // "1. The big headline" — a list number at the start of a line
        if (IsAllDigits(word) && word.Length <= 3 && AtLineStart(text, wStart))
        {
            return false;
        }

        return true;
    }

    private static bool StartsNewBlock(string text, int newline)
    {
        // a blank line (only whitespace up to the next newline) …
        var j = newline + 1;
        while (j < text.Length && text[j] is ' ' or '\t' or '\r' or '\u00A0')
        {
            j++;
        }

        if (j >= text.Length || text[j] == '\n')
        {
            return true;
        }

        // … or a bullet / numbered list item
        if (Bullets.Contains(text[j], StringComparison.Ordinal) && j + 1 < text.Length && text[j + 1] == ' ')
        {
            return true;
        }

        var k = j;
        while (k < text.Length && char.IsAsciiDigit(text[k]) && k - j < 3)
        {
            k++;
        }

        return k > j && k + 1 < text.Length && text[k] is '.' or ')' && text[k + 1] == ' ';
    }

    private static bool IsDottedAcronym(ReadOnlySpan<char> word)
    {
        // letters separated by single dots: U.S, D.H.S, e.g
        if (word.Length < 3)
        {
            return false;
        }

        for (var i = 0; i < word.Length; i++)
        {
            var expectLetter = i % 2 == 0;
            if (expectLetter ? !char.IsLetter(word[i]) : word[i] != '.')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AtLineStart(string text, int index)
    {
        var k = index - 1;
        while (k >= 0 && text[k] is ' ' or '\t')
        {
            k--;
        }

        return k < 0 || text[k] == '\n';
    }

    private static void Add(List<TextSpan> result, string text, int start, int end)
    {
        while (start < end && (char.IsWhiteSpace(text[start]) || (Bullets.Contains(text[start], StringComparison.Ordinal) && start + 1 < end && text[start + 1] == ' ')))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (end > start)
        {
            result.Add(new TextSpan(start, end - start));
        }
    }
}
