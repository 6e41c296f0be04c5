using System.Text.RegularExpressions;
using Tally.Analysis;
using Tally.Common.V1;
using Tally.Definitions.V1;
using ParsedQuestion = Tally.Definitions.V1.ParsedQuestion;
using Period = Tally.Common.V1.Period;
using PeriodKind = Tally.Common.V1.PeriodKind;

namespace Tally.Query.Composition;

/// <summary>
/// What the question asks for, as the composer uses it: the period and its other readings, the event,
/// population, agency and statistic words (from the resolver's parse), and two things read from the text
/// itself: whether it asks for a number at all, and whether it counts people.
/// </summary>
public sealed partial record QuestionReading
{
    public required string Text { get; init; }

    /// <summary>The period asked for; null when none was stated or only "annually"/"in recent years".</summary>
    public Period? Period { get; init; }

    /// <summary>Other readings of the period ("in 2024" may mean FY2024).</summary>
    public IReadOnlyList<Period> AlternativePeriods { get; init; } = [];

    /// <summary>The words the period was read from ("in 2024"); empty when none.</summary>
    public string PeriodText { get; init; } = "";

    /// <summary>"annually", "each year": a yearly flow without a particular year.</summary>
    public bool Annual { get; init; }

    /// <summary>"in recent years": no particular period.</summary>
    public bool Recent { get; init; }

    /// <summary>Event concepts the words most likely mean ("removal").</summary>
    public IReadOnlySet<string> Events { get; init; } = new HashSet<string>();

    /// <summary>Other readings of the event words ("return" for "deported").</summary>
    public IReadOnlySet<string> AlternativeEvents { get; init; } = new HashSet<string>();

    /// <summary>Criminality classes asked about; null when the question does not narrow it.</summary>
    public IReadOnlySet<Criminality>? Population { get; init; }

    /// <summary>The criminality words as written ("criminal record").</summary>
    public string PopulationWords { get; init; } = "";

    /// <summary>Other readings of the criminality words ("convicted" for "criminal record").</summary>
    public IReadOnlyList<IReadOnlySet<Criminality>> AlternativePopulations { get; init; } = [];

    /// <summary>Agency named or implied ("ICE", "DHS"); empty when none.</summary>
    public string Agency { get; init; } = "";

    /// <summary>Statistic the wording implies (FLOW for "annually", STOCK for "as of"); unspecified when none.</summary>
    public StatisticType StatisticHint { get; init; }

    /// <summary>"How many people/immigrants …": the question counts persons.</summary>
    public bool AsksPeople { get; init; }

    /// <summary>False for questions that ask for no number ("What is the process for …").</summary>
    public bool Statistical { get; init; } = true;

    /// <summary>True when the period is a plain calendar year that may also mean the fiscal year.</summary>
    public bool PeriodAmbiguous =>
        Period is { Kind: PeriodKind.CalendarYear } && AlternativePeriods.Any(a => a.Kind == PeriodKind.FiscalYear);

    /// <summary>Reads a resolver parse (null for GetFigure) together with the question text.</summary>
    public static QuestionReading From(string text, ParsedQuestion? parsed, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(text);
        parsed ??= new ParsedQuestion { Text = text };
        var periodText = parsed.PeriodText ?? string.Empty;
        var period = Composition.PeriodText.IsSet(parsed.Period) ? parsed.Period : null;
        var annual = AnnualRegex().IsMatch(periodText) || (period is not null && Composition.PeriodText.IsOpen(period) && !RecentRegex().IsMatch(periodText))
                     || (period is null && AnnualRegex().IsMatch(text));
        var recent = RecentRegex().IsMatch(periodText) || (period is null && RecentRegex().IsMatch(text));
        if (period is not null && Composition.PeriodText.IsOpen(period))
        {
            period = null;
        }

        var events = new HashSet<string>(StringComparer.Ordinal);
        var altEvents = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlySet<Criminality>? population = null;
        var populationWords = string.Empty;
        var altPopulations = new List<IReadOnlySet<Criminality>>();
        var agency = parsed.Agency ?? string.Empty;
        foreach (var term in parsed.Terms)
        {
            switch (term.Kind)
            {
                case GlossaryEntry.Types.Kind.EventWord:
                    events.Add(term.Concept);
                    altEvents.UnionWith(term.AlternativeConcepts);
                    break;
                case GlossaryEntry.Types.Kind.PopulationWord when population is null && Vocabulary.CriminalityOf(term.Concept) is { } set:
                    population = set;
                    populationWords = term.Word;
                    altPopulations.AddRange(term.AlternativeConcepts.Select(Vocabulary.CriminalityOf).OfType<IReadOnlySet<Criminality>>());
                    break;
                case GlossaryEntry.Types.Kind.AgencyWord when agency.Length == 0:
                    agency = term.Concept;
                    break;
            }
        }

        altEvents.ExceptWith(events);
        var hint = parsed.StatisticHint;
        if (hint == StatisticType.Unspecified)
        {
            hint = period?.Kind == PeriodKind.AsOfDate ? StatisticType.Stock
                : annual ? StatisticType.Flow
                : ShareRegex().IsMatch(text) ? StatisticType.Share
                : StatisticType.Unspecified;
        }

        return new QuestionReading
        {
            Text = text,
            Period = period,
            AlternativePeriods = parsed.AlternativePeriods.Where(Composition.PeriodText.IsSet).ToList(),
            PeriodText = periodText,
            Annual = annual && period is null,
            Recent = recent && period is null,
            Events = events,
            AlternativeEvents = altEvents,
            Population = population,
            PopulationWords = populationWords,
            AlternativePopulations = altPopulations,
            Agency = agency,
            StatisticHint = hint,
            AsksPeople = PeopleRegex().IsMatch(text),
            Statistical = string.IsNullOrEmpty(parsed.Kind)
                ? IsStatistical(text, today)
                : !parsed.Kind.Equals("other", StringComparison.OrdinalIgnoreCase) || StatisticalCueRegex().IsMatch(text),
        };
    }

    /// <summary>
    /// True when the question asks for a number: how many / how much / what share / a change / a claim with a
    /// figure, or another question that speaks of rates, statistics or numbers.
    /// </summary>
    public static bool IsStatistical(string text, DateOnly today)
    {
        var kind = QuestionParser.Parse(text, Glossary.Empty, today).Kind;
        return kind != QuestionKind.Other || StatisticalCueRegex().IsMatch(text);
    }

    [GeneratedRegex(@"\b(?:annual(?:ly)?|each\s+year|every\s+year|per\s+year|a\s+year|yearly)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnnualRegex();

    [GeneratedRegex(@"\b(?:recent\s+years|lately|over\s+the\s+years)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RecentRegex();

    [GeneratedRegex(@"\b(?:what|which)\s+(?:share|percent(?:age)?|proportion|fraction)\b|\b(?:share|percentage|proportion)\s+of\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ShareRegex();

    [GeneratedRegex(@"\bhow\s+many\b(?:\s+[\w'-]+){0,4}?\s+(?:people|persons|individuals|immigrants|noncitizens|non-citizens|migrants|aliens|parents|children|detainees|deportees|adults|men|women)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PeopleRegex();

    [GeneratedRegex(@"\b(?:how\s+many|how\s+much|numbers?|counts?|totals?|rates?|statistics?|stats|figures?|data|percent(?:age)?s?|share|proportion|average|trend|compare[sd]?|comparison|increase[sd]?|decrease[sd]?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StatisticalCueRegex();
}
