using System.Collections.Frozen;
using Tally.Analysis;

namespace Tally.Definitions.Resolution;

/// <summary>A content word of a text: its folded stem and the word as written.</summary>
internal readonly record struct Word(string Stem, string Text, int TokenIndex, bool IsNeutral);

/// <summary>A glossary concept found in a text ("e:removal", "c:convicted", "s:share"), with its other readings.</summary>
internal sealed record ConceptFeature(string Key, string Text, string Term, IReadOnlyList<string> Also, TextSpan Span, int FirstToken);

/// <summary>An agency named in a text, in catalog spelling, and the directorate word when one was named (ERO, HSI, OPLA).</summary>
internal sealed record AgencyFeature(string Agency, string Text, string? Directorate, TextSpan Span);

/// <summary>
/// What a piece of text says in the resolver's terms: glossary concepts, agencies, glossary terms as written,
/// and the remaining content words (stemmed, with "-ly" folded: "wrongfully" → "wrongful"). Questions and a
/// metric's phrases (aliases, name, gap question) are read by the same code so that they meet.
/// </summary>
internal sealed class TextFeatures
{
    /// <summary>Words that say nothing about which metric is meant (generic nouns, reporting verbs).</summary>
    public static readonly FrozenSet<string> NeutralWords = new[]
    {
        "person", "people", "immigrant", "immigrants", "noncitizen", "noncitizens", "alien", "aliens", "individual",
        "individuals", "deportable", "migrant", "migrants", "number", "total", "count", "year", "years", "annual", "month",
        "figure", "figures", "data", "statistic", "statistics", "us", "united", "states", "america", "country", "report",
        "reported", "reporting", "reports", "record", "recorded", "publish", "published", "official", "officially",
        "government", "immigration", "out", "carry", "carried", "make", "made", "take", "taken", "happen", "happened",
        "occur", "occurred", "say", "said", "show", "shown", "according", "also", "other", "more", "most", "just", "only",
        "exactly", "approximately", "roughly", "overall", "compare", "comparison", "current", "currently", "recent",
        "last", "past", "since", "fiscal", "calendar", "like", "ever", "every", "some", "such", "up", "down",
        "really", "actually", "total", "approximate", "estimate", "estimated",
    }.ToFrozenSet(StringComparer.Ordinal);

    private TextFeatures(string text, IReadOnlyList<Token> tokens, List<ConceptFeature> concepts, List<AgencyFeature> agencies,
        List<Word> words, IReadOnlyList<PeriodMention> periods)
    {
        Text = text;
        Tokens = tokens;
        Concepts = concepts;
        Agencies = agencies;
        Words = words;
        Periods = periods;
        ConceptKeys = concepts.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        // Multi-word glossary terms as written tell apart phrases that share a concept ("non-detained docket" and
        // "on ICE's docket" are both person_on_docket); single words would only split inflections ("removed"/"removals").
        Terms = concepts.Where(c => c.Term.Contains(' ', StringComparison.Ordinal))
            .Select(c => "t:" + string.Join(' ', Tokenizer.Tokenize(c.Term).Select(t => t.Stem)))
            .ToHashSet(StringComparer.Ordinal);
    }

    public string Text { get; }

    public IReadOnlyList<Token> Tokens { get; }

    public IReadOnlyList<ConceptFeature> Concepts { get; }

    public IReadOnlyList<AgencyFeature> Agencies { get; }

    public IReadOnlyList<Word> Words { get; }

    public IReadOnlyList<PeriodMention> Periods { get; }

    /// <summary>Concept keys (primary readings only).</summary>
    public IReadOnlySet<string> ConceptKeys { get; }

    /// <summary>Multi-word glossary terms, stemmed ("t:non detain docket"): tell apart phrases that share a concept.</summary>
    public IReadOnlySet<string> Terms { get; }

    /// <summary>Reads a metric phrase (alias, name, gap question).</summary>
    public static TextFeatures Read(string text, Glossary glossary, IReadOnlyList<(string Stem, GlossaryTerm Term)> singleWordTerms)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(glossary);
        var tokens = Tokenizer.Tokenize(text);
        return Build(text, tokens, glossary.Match(text, tokens), Tally.Analysis.Agencies.FindMentions(text), PeriodParser.Parse(text), singleWordTerms);
    }

    /// <summary>Reads a parsed question (same spans as the parser found).</summary>
    public static TextFeatures Read(ParsedQuestion question, IReadOnlyList<(string Stem, GlossaryTerm Term)> singleWordTerms)
    {
        ArgumentNullException.ThrowIfNull(question);
        return Build(question.Original, question.Tokens, question.Concepts, question.Agencies, question.Periods, singleWordTerms);
    }

    /// <summary>"-ly" adverbs meet their adjectives ("wrongfully" → "wrongful", "wrongly" → "wrong").</summary>
    public static string Fold(string stem) =>
        stem.Length >= 7 && stem.EndsWith("ly", StringComparison.Ordinal) && !"aeiouy".Contains(stem[^3], StringComparison.Ordinal)
            ? stem[..^2]
            : stem;

    /// <summary>Words match when equal, or when one is the other plus a short ending ("wrong"/"wrongful", "detain"/"detaine").</summary>
    public static bool WordsMatch(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return true;
        }

        var (shorter, longer) = a.Length <= b.Length ? (a, b) : (b, a);
        return shorter.Length >= 5 && longer.Length - shorter.Length <= 3 && longer.StartsWith(shorter, StringComparison.Ordinal);
    }

    private static TextFeatures Build(string text, IReadOnlyList<Token> tokens, IReadOnlyList<ConceptHit> hits,
        IReadOnlyList<AgencyMention> agencyMentions, IReadOnlyList<PeriodMention> periods, IReadOnlyList<(string Stem, GlossaryTerm Term)> singleWordTerms)
    {
        var concepts = new List<ConceptFeature>();
        foreach (var hit in hits)
        {
            var first = IndexOf(tokens, hit.Span);
            concepts.Add(new ConceptFeature(hit.Concept, hit.Text, hit.Term.Term, hit.Also, hit.Span, first));
        }

        var agencies = new List<AgencyFeature>();
        foreach (var mention in agencyMentions)
        {
            // An agency inside a glossary phrase ("on ICE's docket") still names the agency.
            var (agency, directorate) = CatalogAgency(mention.Agency.Code);
            agencies.Add(new AgencyFeature(agency, mention.Text, directorate, mention.Span));
        }

        var words = new List<Word>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.IsStopWord || token.IsNumber || token.Text.Length < 2 ||
                hits.Any(h => h.Span.Overlaps(token.Span)) ||
                agencyMentions.Any(a => a.Span.Overlaps(token.Span)) ||
                periods.Any(p => p.Span.Overlaps(token.Span)))
            {
                continue;
            }

            var stem = Fold(token.Stem);
            var neutral = NeutralWords.Contains(token.Text) || NeutralWords.Contains(stem);
            if (!neutral && singleWordTerms.FirstOrDefault(t => WordsMatch(t.Stem, stem)) is { Term: { } near })
            {
                // A near form of a one-word glossary term ("detainees" ~ "detained"): the same concept.
                concepts.Add(new ConceptFeature(near.Concept, token.Text, near.Term, near.Also, token.Span, i));
                continue;
            }

            words.Add(new Word(stem, token.Text, i, neutral));
        }

        foreach (var agency in agencies.Where(a => a.Directorate is not null))
        {
            words.Add(new Word(agency.Directorate!.ToLowerInvariant(), agency.Text, IndexOf(tokens, agency.Span), IsNeutral: false));
        }

        concepts.Sort(static (a, b) => a.Span.Start.CompareTo(b.Span.Start));
        return new TextFeatures(text, tokens, concepts, agencies, words, periods);
    }

    /// <summary>Analysis agency codes in catalog spelling; ERO, HSI and OPLA are ICE directorates.</summary>
    public static (string Agency, string? Directorate) CatalogAgency(string code) => code switch
    {
        "ERO" or "HSI" or "OPLA" => ("ICE", code),
        "USBP" => ("CBP", null),
        "OIG" => ("DHS-OIG", null),
        _ => (code, null),
    };

    private static int IndexOf(IReadOnlyList<Token> tokens, TextSpan span)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (span.Overlaps(tokens[i].Span))
            {
                return i;
            }
        }

        return -1;
    }
}
