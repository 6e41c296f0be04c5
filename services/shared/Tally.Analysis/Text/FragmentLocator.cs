namespace Tally.Analysis;

/// <summary>The outcome of looking for a quoted fragment in a document's text.</summary>
public sealed record FragmentMatch
{
    public required bool Found { get; init; }

    /// <summary>Where the first occurrence is in the ORIGINAL document text (null when not found).</summary>
    public TextSpan? Span { get; init; }

    /// <summary>The original document text of the first occurrence, typography as the document has it.</summary>
    public string? MatchedText { get; init; }

    /// <summary>How many non-overlapping occurrences the document has (0 when not found).</summary>
    public int Occurrences { get; init; }

    /// <summary>
    /// Why it was not found, naming the closest passage ("differs at word 4: 'returns' (fragment) vs 'removals'
    /// (document) …"). Null when found.
    /// </summary>
    public string? Reason { get; init; }

    /// <summary>When not found: the closest passage in the original text, if any shares a word with the fragment.</summary>
    public TextSpan? ClosestSpan { get; init; }

    /// <summary>When not found: the 1-based fragment word where the closest passage first differs.</summary>
    public int? DifferingWord { get; init; }
}

/// <summary>
/// Finds a quoted fragment in a document's text, tolerant of typography only (see <see cref="TextNormalizer"/>),
/// and maps the match back to offsets in the original text. Construct once per document to check many fragments.
/// </summary>
public sealed class FragmentLocator
{
    private readonly NormalizedText _doc;
    private WordIndex? _words;

    public FragmentLocator(string documentText)
    {
        ArgumentNullException.ThrowIfNull(documentText);
        _doc = TextNormalizer.Normalize(documentText);
    }

    /// <summary>Convenience for a single lookup.</summary>
    public static FragmentMatch Find(string documentText, string fragment) => new FragmentLocator(documentText).Find(fragment);

    public FragmentMatch Find(string fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        var frag = TextNormalizer.Normalize(fragment);
        if (frag.Text.Length == 0)
        {
            return new FragmentMatch { Found = false, Reason = "the fragment is empty (nothing but whitespace or invisible characters)" };
        }

        var at = _doc.Text.IndexOf(frag.Text, StringComparison.Ordinal);
        if (at >= 0)
        {
            var count = 0;
            for (var k = at; k >= 0; k = _doc.Text.IndexOf(frag.Text, k + frag.Text.Length, StringComparison.Ordinal))
            {
                count++;
            }

            var span = _doc.ToOriginal(at, frag.Text.Length);
            return new FragmentMatch { Found = true, Span = span, MatchedText = span.Slice(_doc.Original), Occurrences = count };
        }

        return Explain(frag);
    }

    private FragmentMatch Explain(NormalizedText frag)
    {
        _words ??= WordIndex.Build(_doc.Text);
        var fw = WordIndex.Build(frag.Text);
        var doc = _words;
        if (doc.Count == 0)
        {
            return new FragmentMatch { Found = false, Reason = "the document has no text" };
        }

        // Align the fragment's words against every document position where some fragment word matches
        // (ignoring surrounding punctuation), and keep the alignment with the most matching words.
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var j = 0; j < fw.Count; j++)
        {
            var key = fw.Key(j);
            if (!positions.TryGetValue(key, out var list))
            {
                positions[key] = list = [];
            }

            list.Add(j);
        }

        var votes = new Dictionary<int, int>();
        for (var i = 0; i < doc.Count; i++)
        {
            if (positions.TryGetValue(doc.Key(i), out var js))
            {
                foreach (var j in js)
                {
                    var anchor = i - j;
                    if (anchor >= 0)
                    {
                        votes[anchor] = votes.GetValueOrDefault(anchor) + 1;
                    }
                }
            }
        }

        if (votes.Count == 0)
        {
            return new FragmentMatch { Found = false, Reason = "no passage in the document shares a word with the fragment" };
        }

        int best = -1, bestVotes = 0;
        foreach (var (anchor, v) in votes)
        {
            if (v > bestVotes || (v == bestVotes && anchor < best))
            {
                (best, bestVotes) = (anchor, v);
            }
        }

        var lastDocWord = Math.Min(best + fw.Count, doc.Count) - 1;
        var closestNorm = (Start: doc.Start(best), End: doc.End(lastDocWord));
        var closest = _doc.ToOriginal(closestNorm.Start, closestNorm.End - closestNorm.Start);
        var preview = closest.Slice(_doc.Original);
        if (preview.Length > 160)
        {
            preview = preview[..157] + "...";
        }

        // Report the first difference in full and up to two more briefly.
        var summary = $"{bestVotes} of {fw.Count} words match the closest passage at offset {closest.Start}: \"{preview}\"";
        var differences = new List<string>(3);
        var firstDiff = -1;
        for (var j = 0; j < fw.Count && differences.Count < 3; j++)
        {
            var fragWord = OriginalWord(frag, fw, j);
            if (best + j >= doc.Count)
            {
                differences.Add(differences.Count == 0
                    ? $"differs at word {j + 1}: the document ends before '{fragWord}' (fragment)"
                    : $"the document ends before word {j + 1}");
                firstDiff = firstDiff < 0 ? j : firstDiff;
                break;
            }

            if (!string.Equals(fw.Word(j), doc.Word(best + j), StringComparison.Ordinal))
            {
                var docWord = OriginalWord(_doc, doc, best + j);
                var what = string.Equals(fw.Key(j), doc.Key(best + j), StringComparison.Ordinal) ? " (punctuation differs)" : string.Empty;
                differences.Add(differences.Count == 0
                    ? $"differs at word {j + 1}: '{fragWord}' (fragment) vs '{docWord}' (document){what}"
                    : $"also at word {j + 1}: '{fragWord}' vs '{docWord}'{what}");
                firstDiff = firstDiff < 0 ? j : firstDiff;
            }
        }

        if (firstDiff >= 0)
        {
            return NotFound(firstDiff, $"{string.Join("; ", differences)}; {summary}");
        }

        // Every word matches but the substring does not: spacing inside the fragment differs (e.g. a space around punctuation).
        return NotFound(fw.Count - 1, $"every word matches the passage at offset {closest.Start}, but spacing or joining punctuation differs: \"{preview}\"");

        FragmentMatch NotFound(int word, string reason) => new()
        {
            Found = false,
            Reason = reason,
            ClosestSpan = closest,
            DifferingWord = word + 1,
        };
    }

    private static string OriginalWord(NormalizedText text, WordIndex words, int index) =>
        text.ToOriginal(words.Start(index), words.End(index) - words.Start(index)).Slice(text.Original);

    /// <summary>Space-separated words of folded text, with a punctuation-trimmed comparison key for alignment.</summary>
    private sealed class WordIndex
    {
        private readonly string _text;
        private readonly List<(int Start, int End)> _spans;
        private readonly string[] _keys;

        private WordIndex(string text, List<(int, int)> spans)
        {
            _text = text;
            _spans = spans;
            _keys = new string[spans.Count];
            for (var i = 0; i < spans.Count; i++)
            {
                var w = text.AsSpan(spans[i].Item1, spans[i].Item2 - spans[i].Item1);
                var trimmed = w.Trim("\"'()[]{}.,;:!?");
                _keys[i] = trimmed.Length > 0 ? trimmed.ToString() : w.ToString();
            }
        }

        public int Count => _spans.Count;

        public int Start(int i) => _spans[i].Start;

        public int End(int i) => _spans[i].End;

        public string Word(int i) => _text[_spans[i].Start.._spans[i].End];

        public string Key(int i) => _keys[i];

        public static WordIndex Build(string folded)
        {
            var spans = new List<(int, int)>();
            var start = -1;
            for (var i = 0; i <= folded.Length; i++)
            {
                if (i == folded.Length || folded[i] == ' ')
                {
                    if (start >= 0)
                    {
                        spans.Add((start, i));
                        start = -1;
                    }
                }
                else if (start < 0)
                {
                    start = i;
                }
            }

            return new WordIndex(folded, spans);
        }
    }
}
