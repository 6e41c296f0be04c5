using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Tally.Analysis;

/// <summary>
/// Finds candidate statistics in text: numbers with scale ("1.8 million", "1.8M+"), percentages, money, their
/// hedges ("nearly", "more than", "+"), the phrase saying what they count, their sentence and the periods in it.
/// Skips what is not a statistic: years and dates (anything inside a period mention), footnote markers ("[1]"),
/// list numbering at the start of a line ("1. The big headline"), page references ("page 12", "p. 4"),
/// identifiers ("OIG-21-36", "H.R. 2", "No. 5"), ordinals ("21st"), times and fractions.
/// </summary>
public static partial class FigureExtractor
{
    private const int MaxUnitWords = 10;

    /// <summary>Extracts candidates; relative periods ("last year") are left unresolved.</summary>
    public static IReadOnlyList<FigureCandidate> Extract(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ExtractCore(text, null);
    }

    /// <summary>Extracts candidates, resolving relative periods against <paramref name="today"/>.</summary>
    public static IReadOnlyList<FigureCandidate> Extract(string text, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ExtractCore(text, today);
    }

    internal static List<FigureCandidate> ExtractCore(string text, DateOnly? today)
    {
        var result = new List<FigureCandidate>();
        if (text.Length == 0)
        {
            return result;
        }

        var periods = PeriodParser.ParseCore(text, today);
        IReadOnlyList<TextSpan>? sentences = null;
        foreach (Match m in NumberRegex().Matches(text))
        {
            var numberGroup = m.Groups["num"];
            var numberSpan = new TextSpan(numberGroup.Index, numberGroup.Length);
            if (InsideAny(periods, numberSpan) || IsNotAFigure(text, m))
            {
                continue;
            }

            var kind = m.Groups["pct"].Success ? FigureKind.Percent : m.Groups["money"].Success ? FigureKind.Money : FigureKind.Count;
            var value = double.Parse(numberGroup.Value.Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture)
                        * Scale(m.Groups["scale"].Value);

            var (qualifier, qualifierStart) = QualifierBefore(text, m.Index);
            var end = m.Index + m.Length;
            if (m.Groups["plus"].Success)
            {
                qualifier = FigureQualifier.AtLeast;
            }
            else if (SuffixQualifierRegex().Match(text, end) is { Success: true } suffix && suffix.Index == end)
            {
                qualifier = suffix.Groups["more"].Success ? FigureQualifier.AtLeast : FigureQualifier.AtMost;
                end = suffix.Index + suffix.Length;
            }

            sentences ??= SentenceSplitter.Split(text);
            var span = new TextSpan(qualifierStart, end - qualifierStart);
            var sentence = Quotable(text, SentenceSplitter.SentenceAt(sentences, m.Index) ?? new TextSpan(m.Index, m.Length), span);
            result.Add(new FigureCandidate
            {
                Value = value,
                Kind = kind,
                Qualifier = qualifier,
                RawText = text[m.Index..(m.Index + m.Length)].Trim(),
                Span = span,
                UnitPhrase = UnitPhrase(text, end, sentence, periods),
                Sentence = sentence.Slice(text),
                SentenceSpan = sentence,
                Periods = PeriodsIn(periods, sentence),
            });
        }

        return result;
    }

    /// <summary>Longest sentence a figure carries as its quote (and its citation fragment).</summary>
    internal const int MaxSentenceChars = 600;

    /// <summary>
    /// The sentence, or — when it is longer than <see cref="MaxSentenceChars"/> (a table or a list without punctuation)
    /// — the figure's line within a window around the figure, cut at spaces. Without this, every figure of a long
    /// unpunctuated text carried the whole text: quadratic time and memory, and fragments of megabytes stored per figure.
    /// </summary>
    private static TextSpan Quotable(string text, TextSpan sentence, TextSpan figure)
    {
        if (sentence.Length <= MaxSentenceChars)
        {
            return sentence;
        }

        var margin = Math.Max(0, (MaxSentenceChars - figure.Length) / 2);
        var start = Math.Min(figure.Start, Math.Max(sentence.Start, figure.Start - margin));
        var end = Math.Max(figure.End, Math.Min(sentence.End, figure.End + margin));
        var newline = figure.Start > start ? text.LastIndexOf('\n', figure.Start - 1, figure.Start - start) : -1;
        if (newline >= 0)
        {
            start = newline + 1;
        }

        newline = text.IndexOf('\n', figure.End, end - figure.End);
        if (newline >= 0)
        {
            end = newline;
        }

        // Whole words only: move inwards to the nearest space, never past the figure.
        if (start > sentence.Start && !char.IsWhiteSpace(text[start - 1]))
        {
            var space = text.IndexOf(' ', start, figure.Start - start);
            start = space >= 0 ? space + 1 : figure.Start;
        }

        if (end < sentence.End && !char.IsWhiteSpace(text[end]))
        {
            var space = text.LastIndexOf(' ', end - 1, end - figure.End);
            end = space >= 0 ? space : figure.End;
        }

        return new TextSpan(start, end - start);
    }

    /// <summary>Index of the first period (sorted by start, non-overlapping) that ends after <paramref name="offset"/>.</summary>
    private static int FirstEndingAfter(List<PeriodMention> periods, int offset)
    {
        int lo = 0, hi = periods.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (periods[mid].Span.End <= offset)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static List<PeriodMention> PeriodsIn(List<PeriodMention> periods, TextSpan sentence)
    {
        var result = new List<PeriodMention>();
        for (var k = FirstEndingAfter(periods, sentence.Start); k < periods.Count && periods[k].Span.Start < sentence.End; k++)
        {
            result.Add(periods[k]);
        }

        return result;
    }

    private static bool InsideAny(List<PeriodMention> periods, TextSpan span)
    {
        var k = FirstEndingAfter(periods, span.Start);
        return k < periods.Count && periods[k].Span.Overlaps(span);
    }

    private static bool IsNotAFigure(string text, Match m)
    {
        var start = m.Groups["money"].Success ? m.Groups["money"].Index : m.Groups["num"].Index;
        var end = m.Index + m.Length;
        var before = start > 0 ? text[start - 1] : ' ';

        // footnote markers [1] [12]
        if (before == '[' && end < text.Length && text[end] == ']')
        {
            return true;
        }

        // identifiers: OIG-21-36, A1, 3-2, x.5
        if (char.IsLetter(before) || before is '_' or '/' or '#' or '§' || (before is '-' or ':' or '‑' && start > 1 && char.IsLetterOrDigit(text[start - 2])))
        {
            return true;
        }

        if (end < text.Length)
        {
            var after = text[end];
            var afterNext = end + 1 < text.Length ? text[end + 1] : ' ';
            if (char.IsLetter(after) && !m.Groups["pct"].Success && !m.Groups["scale"].Success)
            {
                return true; // 21st, 3rd, 5G
            }

            if (after is '-' or '/' or ':' or '.' or '‑' && char.IsAsciiDigit(afterNext))
            {
                return true; // ranges like 21-36, fractions, times, versions
            }
        }

        // list numbering at the start of a line: "1. The big headline", "2) Next"
        if (!m.Groups["pct"].Success && !m.Groups["scale"].Success && m.Groups["num"].Value.Length <= 3 &&
            end + 1 < text.Length && text[end] is '.' or ')' && text[end + 1] == ' ' && AtLineStart(text, start))
        {
            return true;
        }

        // page references and numbered things
        return PageRefRegex().IsMatch(text.AsSpan(Math.Max(0, start - 12), Math.Min(12, start)));
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

    private static double Scale(string scale) => scale.ToLowerInvariant() switch
    {
        "" => 1,
        "k" or "thousand" => 1e3,
        "m" or "mn" or "mln" or "million" => 1e6,
        "b" or "bn" or "billion" => 1e9,
        "trillion" or "tn" => 1e12,
        _ => 1,
    };

    private static (FigureQualifier Qualifier, int Start) QualifierBefore(string text, int numberStart)
    {
        var windowStart = Math.Max(0, numberStart - 32);
        var m = QualifierRegex().Match(text[windowStart..numberStart]);
        if (!m.Success)
        {
            return (FigureQualifier.Exact, numberStart);
        }

        var q = m.Groups["q"].Value.ToLowerInvariant();
        q = WhitespaceRegex().Replace(q, " ");
        var qualifier = q switch
        {
            "nearly" or "almost" or "close to" or "just under" or "just shy of" => FigureQualifier.Nearly,
            "more than" or "over" or "just over" or "above" or "in excess of" or "upwards of" or "greater than" or "exceeding" or "higher than" => FigureQualifier.MoreThan,
            "at least" or "no fewer than" or "no less than" or "a minimum of" => FigureQualifier.AtLeast,
            "fewer than" or "less than" or "under" or "below" or "lower than" => FigureQualifier.FewerThan,
            "at most" or "up to" or "no more than" or "a maximum of" => FigureQualifier.AtMost,
            _ => FigureQualifier.Approximately,
        };
        return (qualifier, windowStart + m.Groups["q"].Index);
    }

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "which", "that", "who", "whom", "whose", "where", "when", "while", "because", "although", "though", "and", "or", "but",
        "than", "was", "were", "is", "are", "be", "been", "being", "has", "have", "had", "will", "would", "could", "should",
        "may", "might", "according", "compared", "versus", "vs", "including", "since", "until", "during", "after", "per",
        "without", "despite", "whether", "if", "unless", "so",
    };

    private static readonly HashSet<string> TrailingTrim = new(StringComparer.OrdinalIgnoreCase)
    {
        "of", "the", "a", "an", "in", "on", "to", "for", "by", "with", "at", "from", "its", "their", "his", "her", "our", "into", "as",
    };

    /// <summary>
    /// The words after the number that say what it counts. A stat-card layout ("113,431\nadministrative arrests") is
    /// followed onto the next line; otherwise the phrase stops at a line break, punctuation, another number, a period
    /// mention ("in 2023", "as of July 21, 2024"), a clause word ("which", "and", "were"), or after ten words.
    /// If the phrase would be empty because it starts with a clause word ("of whom 435,719 were convicted"), the clause
    /// itself is taken ("were convicted").
    /// </summary>
    private static string UnitPhrase(string text, int from, TextSpan sentence, List<PeriodMention> periods)
    {
        var i = from;
        var limit = Math.Max(sentence.End, from);

        // a stat card puts the label on the next line: allow exactly one line break before the first word
        while (i < text.Length && text[i] is ' ' or '\t' or '\u00A0' or '\r')
        {
            i++;
        }

        if (i < text.Length && text[i] == '\n')
        {
            i++;
            limit = Math.Max(limit, LineEnd(text, i));
        }

        // skip one short parenthetical right after the number: "88,763 (32.7%) of which…"
        var j = i;
        while (j < text.Length && text[j] == ' ')
        {
            j++;
        }

        if (j < text.Length && text[j] == '(')
        {
            var close = text.IndexOf(')', j);
            if (close > j && close - j <= 40 && text.IndexOf('\n', j, close - j) < 0)
            {
                i = close + 1;
            }
        }

        // stop where the next period mention starts ("in 2023", "as of July 21, 2024")
        var next = FirstEndingAfter(periods, i);
        if (next < periods.Count)
        {
            limit = Math.Min(limit, Math.Max(i, periods[next].Span.Start));
        }

        var strict = CollectWords(text, i, limit, lenient: false);
        return strict.Length > 0 ? strict : CollectWords(text, i, limit, lenient: true);
    }

    private static string CollectWords(string text, int i, int limit, bool lenient)
    {
        var words = new List<string>(MaxUnitWords);
        while (i < limit && words.Count < MaxUnitWords)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\u00A0')
            {
                i++;
                continue;
            }

            if (c is '\n' or '\r')
            {
                break;
            }

            var m = UnitWordRegex().Match(text, i);
            if (!m.Success || m.Index != i)
            {
                break; // punctuation
            }

            var word = m.Value;
            if (char.IsDigit(word[0]) || (!lenient && StopWords.Contains(word)) || (lenient && word is "and" or "or" or "but" or "than"))
            {
                break;
            }

            words.Add(word);
            i += m.Length;
        }

        while (words.Count > 0 && TrailingTrim.Contains(words[^1]))
        {
            words.RemoveAt(words.Count - 1);
        }

        return string.Join(' ', words);
    }

    private static int LineEnd(string text, int from)
    {
        var nl = text.IndexOf('\n', from);
        return nl < 0 ? text.Length : nl;
    }

    // number: 1,234,567.89 | 1234.5 | .5 ; scale; percent; plus
    [GeneratedRegex(
        @"(?<money>\$\s?)?(?<![0-9.,])(?<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?![0-9,][0-9])" +
        @"(?:\s?(?<scale>thousand|million|billion|trillion)\b|(?<scale>[kKMB]|bn|mn|mln|tn)(?![A-Za-z]))?" +
        @"(?:\s?(?<pct>%|percent\b|per\s?cent\b|percentage\s+points?\b))?" +
        @"(?:\s?(?<plus>\+))?",
        RegexOptions.CultureInvariant)]
    private static partial Regex NumberRegex();

    [GeneratedRegex(
        @"(?<!\w)(?<q>about|approximately|approx\.|roughly|around|an\s+estimated|estimated|some|circa|~|nearly|almost|close\s+to|just\s+under|just\s+shy\s+of" +
        @"|more\s+than|just\s+over|over|above|upwards\s+of|in\s+excess\s+of|greater\s+than|higher\s+than|exceeding" +
        @"|at\s+least|no\s+fewer\s+than|no\s+less\s+than|a\s+minimum\s+of|fewer\s+than|less\s+than|lower\s+than|under|below" +
        @"|at\s+most|up\s+to|no\s+more\s+than|a\s+maximum\s+of)\s*\$?\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QualifierRegex();

    [GeneratedRegex(@"\G\s+or\s+(?:(?<more>more|greater|higher|above)|fewer|less|lower|below)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SuffixQualifierRegex();

    [GeneratedRegex(@"(?:\bpages?|\bpp?\.|\bpg\.?|\bNo\.|\bNos\.|\bH\.R\.|\bS\.|\bsection|\bsec\.|\bfootnote|\bnote|\bchapter|\btable|\bfigure|\bfig\.|\bexhibit|\bappendix|\bvol\.|\bvolume|§)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PageRefRegex();

    [GeneratedRegex(@"\G(?:(?:[A-Z]\.){2,}|[\p{L}\p{N}][\p{L}\p{N}\p{M}'’\-‑]*)", RegexOptions.CultureInvariant)]
    private static partial Regex UnitWordRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
