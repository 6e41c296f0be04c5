using System.Collections.Frozen;
using Tally.Analysis;
using Tally.Definitions.Model;
using Tally.Definitions.V1;

namespace Tally.Definitions.Resolution;

/// <summary>What a phrase element is: a glossary concept, an agency or a content word.</summary>
internal enum ElementKind
{
    Concept,
    Agency,
    Word,
}

/// <summary>One element of a phrase with its weight: concepts 1 (statistic words 0.5), agencies 0.5, words by rarity.</summary>
internal sealed record PhraseElement(ElementKind Kind, string Key, double Weight, string Text, bool IsNeutral)
{
    public bool IsEvent => Kind == ElementKind.Concept && Key.StartsWith("e:", StringComparison.Ordinal);
}

/// <summary>A phrase of a metric (alias, name or gap question) read into features, and its weighted elements.</summary>
internal sealed record MetricPhrase(string Text, string Kind, TextFeatures Features)
{
    public IReadOnlyList<PhraseElement> Elements { get; private set; } = [];

    public double TotalWeight { get; private set; }

    internal void Weigh(ResolverIndex index)
    {
        var elements = new List<PhraseElement>();
        foreach (var concept in Features.Concepts.DistinctBy(c => c.Key))
        {
            elements.Add(new PhraseElement(ElementKind.Concept, concept.Key, concept.Key.StartsWith("s:", StringComparison.Ordinal) ? 0.5 : 1.0, concept.Text, false));
        }

        foreach (var agency in Features.Agencies.DistinctBy(a => a.Agency))
        {
            elements.Add(new PhraseElement(ElementKind.Agency, agency.Agency, 0.5, agency.Text, false));
        }

        foreach (var word in Features.Words.DistinctBy(w => w.Stem))
        {
            elements.Add(new PhraseElement(ElementKind.Word, word.Stem, index.WordWeight(word.Stem, word.IsNeutral), word.Text, word.IsNeutral));
        }

        Elements = elements;
        TotalWeight = elements.Sum(e => e.Weight);
    }
}

/// <summary>What the resolver knows about one metric, computed once per registry version.</summary>
internal sealed class MetricProfile
{
    public MetricProfile(MetricDefinition definition, IReadOnlyList<MetricPhrase> phrases, MetricPhrase? gapQuestion)
    {
        Definition = definition;
        Phrases = phrases;
        GapQuestion = gapQuestion;
        Event = definition.Counted?.Thing ?? string.Empty;
        Agency = definition.Scope?.Agency ?? string.Empty;
        Program = definition.Scope?.Program ?? string.Empty;
        CriminalityClass = definition.Scope is null ? "any" : Vocabulary.CriminalityClass(definition.Scope);
        CriminalitySet = Vocabulary.SetOfClass(CriminalityClass);

        var keys = new HashSet<string>(StringComparer.Ordinal) { "e:" + Event, "c:" + CriminalityClass, "a:" + Agency };
        var words = new List<string>();
        foreach (var phrase in phrases.Append(gapQuestion).OfType<MetricPhrase>())
        {
            keys.UnionWith(phrase.Features.ConceptKeys);
            keys.UnionWith(phrase.Features.Terms);
            keys.UnionWith(phrase.Features.Agencies.Select(a => "a:" + a.Agency));
            words.AddRange(phrase.Features.Words.Where(w => !w.IsNeutral).Select(w => w.Stem));
        }

        if (Program.Length > 0)
        {
            words.AddRange(Tokenizer.Tokenize(Program).Where(t => !t.IsStopWord).Select(t => TextFeatures.Fold(t.Stem)));
        }

        ExplainedKeys = keys;
        ExplainedWords = words.Distinct(StringComparer.Ordinal).ToArray();
    }

    public MetricDefinition Definition { get; }

    public string Id => Definition.Id;

    public bool IsGap => Definition.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Gap;

    /// <summary>A computed metric: its values are aggregated from an ingested dataset (a gap until the dataset is ingested).</summary>
    public bool IsComputed => Definition.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Computed;

    /// <summary>Metrics people confuse with a gap (or with a computed metric before its dataset is ingested), nearest first.</summary>
    public IReadOnlyList<string> NearestMetricIds => Definition.ValueSourceCase switch
    {
        MetricDefinition.ValueSourceOneofCase.Gap => Definition.Gap.NearestMetricIds,
        MetricDefinition.ValueSourceOneofCase.Computed when Definition.Computed.UntilIngested is { } pending => pending.NearestMetricIds,
        _ => [],
    };

    public IReadOnlyList<MetricPhrase> Phrases { get; }

    public MetricPhrase? GapQuestion { get; }

    public string Event { get; }

    public string Agency { get; }

    public string Program { get; }

    public string CriminalityClass { get; }

    public int CriminalitySet { get; }

    /// <summary>Concept, term and agency keys this metric accounts for: its own properties and everything its phrases say.</summary>
    public IReadOnlySet<string> ExplainedKeys { get; }

    /// <summary>Content words (stems) of its phrases and program.</summary>
    public IReadOnlyList<string> ExplainedWords { get; }

    public bool ExplainsWord(string stem) => ExplainedWords.Any(w => TextFeatures.WordsMatch(w, stem));
}

/// <summary>
/// The resolver's view of one registry version: the glossary as Tally.Analysis reads it, every metric's phrases
/// read into features, how rare each content word is across metrics (rare words discriminate), and the
/// words that qualify an event in some metric's phrases ("wrongful" deportation, "Secure Communities" removals).
/// </summary>
internal sealed class ResolverIndex
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _usedBy = new(StringComparer.Ordinal);

    public ResolverIndex(IReadOnlyList<MetricDefinition> metrics, IReadOnlyList<GlossaryEntry> glossary, IReadOnlyList<Relation> relations)
    {
        Glossary = BuildGlossary(glossary);
        SingleWordTerms = Glossary.Terms
            .Select(t => (Tokens: Tokenizer.Tokenize(t.Term), Term: t))
            .Where(x => x.Tokens.Count == 1 && x.Tokens[0].Stem.Length >= 5)
            .Select(x => (x.Tokens[0].Stem, x.Term))
            .ToArray();
        Profiles = metrics.Select(m => Profile(m, Glossary, SingleWordTerms)).ToArray();
        ById = Profiles.ToFrozenDictionary(p => p.Id, StringComparer.Ordinal);

        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        var qualifiers = new HashSet<(string Word, string Concept)>();
        foreach (var profile in Profiles)
        {
            foreach (var word in profile.ExplainedWords)
            {
                df[word] = df.GetValueOrDefault(word) + 1;
            }

            foreach (var phrase in profile.Phrases.Append(profile.GapQuestion).OfType<MetricPhrase>())
            {
                foreach (var concept in phrase.Features.Concepts.Where(c => c.Key.StartsWith("e:", StringComparison.Ordinal)))
                {
                    var before = phrase.Features.Words.FirstOrDefault(w => w.TokenIndex == concept.FirstToken - 1);
                    if (before.Stem is not null && !before.IsNeutral)
                    {
                        qualifiers.Add((before.Stem, concept.Key));
                    }
                }
            }
        }

        DocumentFrequency = df;
        Qualifiers = qualifiers;
        foreach (var phrase in Profiles.SelectMany(p => p.Phrases.Append(p.GapQuestion).OfType<MetricPhrase>()))
        {
            phrase.Weigh(this);
        }

        RelationsByMetric = relations
            .SelectMany(r => new[] { (Id: r.FromMetricId, Relation: r), (Id: r.ToMetricId, Relation: r) })
            .GroupBy(x => x.Id, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<Relation>)g.Select(x => x.Relation).ToArray(), StringComparer.Ordinal);
    }

    public Glossary Glossary { get; }

    /// <summary>One-word glossary terms by stem, for near forms the glossary does not list ("detainees").</summary>
    public IReadOnlyList<(string Stem, GlossaryTerm Term)> SingleWordTerms { get; }

    public IReadOnlyList<MetricProfile> Profiles { get; }

    public FrozenDictionary<string, MetricProfile> ById { get; }

    public IReadOnlyDictionary<string, int> DocumentFrequency { get; }

    public IReadOnlySet<(string Word, string Concept)> Qualifiers { get; }

    public FrozenDictionary<string, IReadOnlyList<Relation>> RelationsByMetric { get; }

    /// <summary>How much a content word says about which metric is meant: 1 for words one metric uses, less for common ones.</summary>
    public double WordWeight(string stem, bool neutral)
    {
        if (neutral)
        {
            return 0.2;
        }

        var df = UsedBy(stem);
        return df == 0 ? 0.5 : Math.Clamp(1.2 - (0.25 * Math.Log2(df)), 0.3, 1.0);
    }

    /// <summary>How many metrics use a word in their phrases (fuzzy); memoised per registry version, up to a bound.</summary>
    public int UsedBy(string stem)
    {
        if (_usedBy.TryGetValue(stem, out var known))
        {
            return known;
        }

        var df = DocumentFrequency.Where(kv => TextFeatures.WordsMatch(kv.Key, stem)).Select(kv => kv.Value).DefaultIfEmpty(0).Max();
        if (_usedBy.Count < 20_000)
        {
            _usedBy.TryAdd(stem, df);
        }

        return df;
    }

    /// <summary>
    /// The catalog glossary as Tally.Analysis matches it. Concepts are prefixed by dimension ("e:removal", "c:convicted",
    /// "s:share"); agency words are left to Tally.Analysis.Agencies and period words to its PeriodParser, which read them
    /// more carefully (acronym case, years, dates).
    /// </summary>
    public static Glossary BuildGlossary(IReadOnlyList<GlossaryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var terms = new List<GlossaryTerm>();
        var byStems = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var prefix = entry.Kind switch
            {
                GlossaryEntry.Types.Kind.EventWord => "e:",
                GlossaryEntry.Types.Kind.PopulationWord => "c:",
                GlossaryEntry.Types.Kind.StatisticWord => "s:",
                _ => null,
            };
            if (prefix is null || entry.Term.Contains('{', StringComparison.Ordinal))
            {
                continue;
            }

            var stems = string.Join(' ', Tokenizer.Tokenize(entry.Term).Select(t => t.Stem));
            if (stems.Length == 0)
            {
                continue;
            }

            var term = new GlossaryTerm(entry.Term, prefix + entry.Concept)
            {
                Also = entry.AlternativeConcepts.Select(a => prefix + a).ToArray(),
                Note = entry.Notes.Length > 0 ? entry.Notes : null,
            };
            if (byStems.TryGetValue(stems, out var at))
            {
                // Same words, another reading: keep the first entry and list the other reading as an alternative.
                if (terms[at].Concept != term.Concept && !terms[at].Also.Contains(term.Concept))
                {
                    terms[at] = terms[at] with { Also = [.. terms[at].Also, term.Concept] };
                }

                continue;
            }

            byStems[stems] = terms.Count;
            terms.Add(term);
        }

        return new Glossary(terms);
    }

    private static MetricProfile Profile(MetricDefinition metric, Glossary glossary, IReadOnlyList<(string Stem, GlossaryTerm Term)> near)
    {
        var phrases = new List<MetricPhrase> { new(metric.Name, "name", TextFeatures.Read(metric.Name, glossary, near)) };
        phrases.AddRange(metric.Aliases.Select(a => new MetricPhrase(a, "alias", TextFeatures.Read(a, glossary, near))));
        // A gap's question, or the question a computed metric answers once its dataset is ingested (until_ingested).
        var question = metric.ValueSourceCase switch
        {
            MetricDefinition.ValueSourceOneofCase.Gap => metric.Gap.Question,
            MetricDefinition.ValueSourceOneofCase.Computed => metric.Computed.UntilIngested?.Question ?? string.Empty,
            _ => string.Empty,
        };
        var gap = question.Length > 0 ? new MetricPhrase(question, "gap question", TextFeatures.Read(question, glossary, near)) : null;
        return new MetricProfile(metric, phrases, gap);
    }
}
