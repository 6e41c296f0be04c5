namespace Tally.Analysis;

/// <summary>
/// One phrasing people use for a concept: "deported" → removal, also possibly "return".
/// </summary>
/// <param name="Term">The words as people write them ("deported", "book-out to the community").</param>
/// <param name="Concept">The concept id the term means ("removal").</param>
public sealed record GlossaryTerm(string Term, string Concept)
{
    /// <summary>Other concepts the term may also be meant as ("deported" may also mean "return").</summary>
    public IReadOnlyList<string> Also { get; init; } = [];

    /// <summary>A note for the explanation ("'deported' in everyday use often includes returns").</summary>
    public string? Note { get; init; }
}

/// <summary>A glossary term found in a question.</summary>
public sealed record ConceptHit(string Concept, GlossaryTerm Term, string Text, TextSpan Span, string Reason)
{
    public IReadOnlyList<string> Also => Term.Also;
}

/// <summary>
/// Term → concept lookup over stemmed token sequences. Multi-word terms match longest-first, left to right, and
/// a token belongs to at most one hit. The catalog supplies the entries.
/// </summary>
public sealed class Glossary
{
    private readonly Dictionary<string, List<Entry>> _byFirstStem = new(StringComparer.Ordinal);

    /// <summary>
    /// Builds the glossary. Throws <see cref="ArgumentException"/> for an empty term or concept, or when two terms
    /// with the same stemmed words map to different concepts (name the second reading in <see cref="GlossaryTerm.Also"/>).
    /// </summary>
    public Glossary(IEnumerable<GlossaryTerm> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var seen = new Dictionary<string, GlossaryTerm>(StringComparer.Ordinal);
        var list = new List<GlossaryTerm>();
        foreach (var term in terms)
        {
            if (string.IsNullOrWhiteSpace(term.Term) || string.IsNullOrWhiteSpace(term.Concept))
            {
                throw new ArgumentException($"Glossary entry '{term.Term}' → '{term.Concept}' needs both a term and a concept.", nameof(terms));
            }

            var stems = Tokenizer.Tokenize(term.Term).Select(t => t.Stem).ToArray();
            if (stems.Length == 0)
            {
                throw new ArgumentException($"Glossary term '{term.Term}' has no words.", nameof(terms));
            }

            var key = string.Join(' ', stems);
            if (seen.TryGetValue(key, out var existing))
            {
                if (!string.Equals(existing.Concept, term.Concept, StringComparison.Ordinal))
                {
                    throw new ArgumentException(
                        $"Glossary terms '{existing.Term}' and '{term.Term}' are the same words but map to '{existing.Concept}' and '{term.Concept}'; " +
                        "keep one entry and list the other reading in Also.", nameof(terms));
                }

                continue;
            }

            seen[key] = term;
            list.Add(term);
            if (!_byFirstStem.TryGetValue(stems[0], out var entries))
            {
                _byFirstStem[stems[0]] = entries = [];
            }

            entries.Add(new Entry(stems, term));
        }

        foreach (var entries in _byFirstStem.Values)
        {
            entries.Sort(static (a, b) => b.Stems.Length.CompareTo(a.Stems.Length)); // longest first
        }

        Terms = list;
    }

    public static Glossary Empty { get; } = new([]);

    public IReadOnlyList<GlossaryTerm> Terms { get; }

    /// <summary>Concept hits in <paramref name="tokens"/>; <paramref name="text"/> is the text the tokens came from.</summary>
    public IReadOnlyList<ConceptHit> Match(string text, IReadOnlyList<Token> tokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokens);
        var hits = new List<ConceptHit>();
        for (var i = 0; i < tokens.Count;)
        {
            var matched = false;
            if (_byFirstStem.TryGetValue(tokens[i].Stem, out var entries))
            {
                foreach (var entry in entries)
                {
                    if (!Matches(tokens, i, entry.Stems))
                    {
                        continue;
                    }

                    var first = tokens[i].Span;
                    var last = tokens[i + entry.Stems.Length - 1].Span;
                    var span = new TextSpan(first.Start, last.End - first.Start);
                    var matchedText = span.Slice(text);
                    var also = entry.Term.Also.Count > 0 ? $" (may also mean: {string.Join(", ", entry.Term.Also)})" : string.Empty;
                    var note = entry.Term.Note is { Length: > 0 } n ? $"; {n}" : string.Empty;
                    hits.Add(new ConceptHit(entry.Term.Concept, entry.Term, matchedText, span,
                        $"'{matchedText}' → concept '{entry.Term.Concept}' via glossary term '{entry.Term.Term}'{also}{note}"));
                    i += entry.Stems.Length;
                    matched = true;
                    break;
                }
            }

            if (!matched)
            {
                i++;
            }
        }

        return hits;
    }

    private static bool Matches(IReadOnlyList<Token> tokens, int at, string[] stems)
    {
        if (at + stems.Length > tokens.Count)
        {
            return false;
        }

        for (var k = 0; k < stems.Length; k++)
        {
            if (!string.Equals(tokens[at + k].Stem, stems[k], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Entry(string[] Stems, GlossaryTerm Term);
}
