using Tally.Analysis;
using Tally.Definitions.V1;
using ParsedQuestion = Tally.Analysis.ParsedQuestion;

namespace Tally.Definitions.Resolution;

/// <summary>An event the question names; <see cref="Qualifier"/> is a word that makes it a specific kind ("wrongful" deportation).</summary>
internal sealed record EventAsk(string Key, string Text, IReadOnlyList<string> Also, Word? Qualifier)
{
    public string Concept => Key[2..];
}

/// <summary>The criminality the question names, in catalog classes, with the glossary's other readings.</summary>
internal sealed record CriminalityAsk(string Class, string Text, IReadOnlyList<string> Also);

/// <summary>A question read for resolution: the parser's result plus the resolver's features and hints.</summary>
internal sealed class QuestionView
{
    private static readonly HashSet<PeriodKind> FlowPeriods =
    [
        PeriodKind.FiscalYear, PeriodKind.CalendarYear, PeriodKind.Quarter, PeriodKind.Month, PeriodKind.Range,
        PeriodKind.Since, PeriodKind.Annual, PeriodKind.YearToDate, PeriodKind.Trailing, PeriodKind.Recent,
    ];

    public QuestionView(ParsedQuestion parsed, ResolverIndex index)
    {
        Parsed = parsed;
        Features = TextFeatures.Read(parsed, index.SingleWordTerms);
        AllWords = Features.Words;
        Words = Features.Words.Where(w => !w.IsNeutral).ToArray();

        var events = new List<EventAsk>();
        foreach (var concept in Features.Concepts.Where(c => c.Key.StartsWith("e:", StringComparison.Ordinal)))
        {
            var before = Features.Words.FirstOrDefault(w => w.TokenIndex == concept.FirstToken - 1);
            Word? qualifier = before.Stem is not null && !before.IsNeutral &&
                              index.Qualifiers.Any(q => q.Concept == concept.Key && TextFeatures.WordsMatch(q.Word, before.Stem))
                ? before
                : null;
            events.Add(new EventAsk(concept.Key, concept.Text, concept.Also, qualifier));
        }

        Events = events;
        Criminality = Features.Concepts.Where(c => c.Key.StartsWith("c:", StringComparison.Ordinal))
            .Select(c => new CriminalityAsk(c.Key[2..], c.Text, c.Also.Select(a => a[2..]).ToArray()))
            .FirstOrDefault();
        Agency = Features.Agencies.Count > 0 ? Features.Agencies[0] : null;
        Period = parsed.Periods.FirstOrDefault(p => p.From is not null && p.Kind != PeriodKind.Day)
                 ?? parsed.Periods.FirstOrDefault(p => p.Kind != PeriodKind.Day);
        (StatisticHint, StatisticReason) = Hint();
    }

    public ParsedQuestion Parsed { get; }

    public TextFeatures Features { get; }

    /// <summary>Every content word, neutral ones included (for phrase matching).</summary>
    public IReadOnlyList<Word> AllWords { get; }

    /// <summary>Content words that can tell metrics apart.</summary>
    public IReadOnlyList<Word> Words { get; }

    public IReadOnlyList<EventAsk> Events { get; }

    public CriminalityAsk? Criminality { get; }

    public AgencyFeature? Agency { get; }

    public PeriodMention? Period { get; }

    public StatisticType StatisticHint { get; }

    /// <summary>Why the statistic hint is what it is, for the reasons list.</summary>
    public string StatisticReason { get; }

    public bool AsksForNumber => Parsed.Kind is QuestionKind.HowMany or QuestionKind.HowMuch or QuestionKind.WhatShare
        or QuestionKind.Trend or QuestionKind.ClaimStatement or QuestionKind.Lookup;

    private (StatisticType, string) Hint()
    {
        var statistic = Features.Concepts.FirstOrDefault(c => c.Key.StartsWith("s:", StringComparison.Ordinal));
        if (Parsed.Kind == QuestionKind.WhatShare || statistic?.Key == "s:share")
        {
            return (StatisticType.Share, "asked a share");
        }

        if (statistic?.Key == "s:average")
        {
            return (StatisticType.Average, $"asked an average ('{statistic.Text}')");
        }

        if (Parsed.Periods.FirstOrDefault(p => p.IsStock) is { } asOf)
        {
            return (StatisticType.Stock, $"asked a count on a date ('{asOf.Text}')");
        }

        if (statistic?.Key == "s:stock")
        {
            return (StatisticType.Stock, $"asked a count on a date ('{statistic.Text}')");
        }

        if (statistic?.Key == "s:flow")
        {
            return (StatisticType.Flow, $"asked a count over a period ('{statistic.Text}')");
        }

        if (Events.FirstOrDefault(e => Model.Vocabulary.EntityThings.Contains(e.Concept)) is { } entity)
        {
            return (StatisticType.Stock, $"asked about people or cases existing on a date ('{entity.Text}')");
        }

        if (Parsed.Periods.FirstOrDefault(p => FlowPeriods.Contains(p.Kind)) is { } period)
        {
            return (StatisticType.Flow, period.Kind == PeriodKind.Annual ? $"asked a yearly flow ('{period.Text}')" : $"asked a flow over a period ('{period.Text}')");
        }

        if (Events.Count > 0)
        {
            return (StatisticType.Flow, $"asked about events ('{Events[0].Text}'), which are counted over a period");
        }

        return (StatisticType.Unspecified, string.Empty);
    }
}
