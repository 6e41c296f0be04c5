using System.Text.RegularExpressions;
using Tally.Analysis;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Composition;

/// <summary>How much a difference between the question and a metric matters.</summary>
public enum Severity
{
    /// <summary>Worth telling the reader; the figure still answers the question.</summary>
    Note = 0,

    /// <summary>A nearby metric or period: the figure is related but is not the one asked for (PARTIAL).</summary>
    Nearby = 1,

    /// <summary>A different thing is counted (event, stock vs flow, statistic): the figure does not answer the question at all.</summary>
    Kind = 2,
}

/// <summary>One way a metric or figure differs from what the question asks, as a caveat code plus plain words.</summary>
/// <param name="Clause">A short clause for a headline ("covers ICE only, not all of DHS").</param>
public sealed record Difference(Code Code, Severity Severity, string Text, string Clause, string MetricId)
{
    public Caveat ToCaveat() => new() { Code = Code, Text = Text, MetricId = MetricId };

    /// <summary>How a caveat code from another service (a resolver conflict, a relation) weighs.</summary>
    public static Severity SeverityOf(Code code) => code switch
    {
        Code.DifferentEvent or Code.StockNotFlow or Code.FlowNotStock or Code.DifferentStatistic => Severity.Kind,
        Code.ScopeWider or Code.ScopeNarrower or Code.DifferentPopulation or Code.DifferentPeriod or Code.YearToDate
            or Code.PeriodBasis or Code.DifferentUnit => Severity.Nearby,
        _ => Severity.Note,
    };
}

/// <summary>
/// Compares a metric definition with what a question asks (event, statistic, population, agency, counting unit)
/// and says how they differ. Periods are compared per figure (<see cref="FigurePicker"/>).
/// </summary>
public static partial class MetricFit
{
    private static readonly HashSet<string> EntityConcepts = new(StringComparer.Ordinal) { "person_on_docket", "person_in_detention", "pending_case" };

    /// <summary>Every difference between the question and the metric, most severe first.</summary>
    public static IReadOnlyList<Difference> Assess(QuestionReading q, MetricDefinition m, Candidate? asResolved = null)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(m);
        var diffs = new List<Difference>();
        var name = "\u201C" + Vocabulary.StripParentheticals(m.Name) + "\u201D";
        var thing = m.Counted?.Thing ?? string.Empty;

        var primaryEvent = q.Events.FirstOrDefault();

        // Stock or flow, share or count.
        var asksFlow = q.StatisticHint == StatisticType.Flow || (primaryEvent is not null && !EntityConcepts.Contains(primaryEvent) && q.StatisticHint == StatisticType.Unspecified && !q.Events.Contains(thing));
        var asksStock = q.StatisticHint == StatisticType.Stock || (primaryEvent is not null && EntityConcepts.Contains(primaryEvent) && q.StatisticHint == StatisticType.Unspecified);
        if (m.StatisticType == StatisticType.Stock && asksFlow)
        {
            diffs.Add(new(Code.StockNotFlow, Severity.Kind,
                $"{name} is a count on one date, built up over time; the question asks how many in a period (a flow), which this number does not give.",
                "is a count on one date, not a number over a period", m.Id));
        }
        else if (m.StatisticType == StatisticType.Flow && asksStock && !q.Events.Contains(thing))
        {
            diffs.Add(new(Code.FlowNotStock, Severity.Kind,
                $"{name} counts events over a period; the question asks how many on a date (a stock).",
                "counts events over a period, not how many on a date", m.Id));
        }

        var asksShare = q.StatisticHint is StatisticType.Share or StatisticType.Ratio;
        var isShare = m.StatisticType is StatisticType.Share or StatisticType.Ratio;
        if (asksShare && !isShare)
        {
            diffs.Add(new(Code.DifferentStatistic, Severity.Kind,
                $"{name} is {Vocabulary.Statistic(m.StatisticType)}, not a percentage.", "is a count, not a percentage", m.Id));
        }
        else if (!asksShare && isShare && CountQuestionRegex().IsMatch(q.Text))
        {
            diffs.Add(new(Code.DifferentStatistic, Severity.Kind,
                $"{name} is a percentage, not a count.", "is a percentage, not a count", m.Id));
        }
        else if (m.StatisticType == StatisticType.Average && CountQuestionRegex().IsMatch(q.Text))
        {
            diffs.Add(new(Code.DifferentStatistic, Severity.Kind,
                $"{name} is an average, not a count of people or events.", "is an average, not a count", m.Id));
        }

        var statisticKind = diffs.Count > 0;

        // What is counted.
        if (q.Events.Count > 0 && thing.Length > 0 && !q.Events.Contains(thing))
        {
            var asked = string.Join(" or ", q.Events.Select(Vocabulary.ThingShort));
            if (q.AlternativeEvents.Contains(thing) && statisticKind)
            {
                // the stock/flow difference above already says why this reading does not answer
            }
            else if (q.AlternativeEvents.Contains(thing))
            {
                diffs.Add(new(Code.DifferentEvent, Severity.Note,
                    $"The question's wording is read here as {Vocabulary.ThingShort(thing)}; it more often means {asked}. {name} counts {Vocabulary.Thing(thing)}.",
                    $"counts {Vocabulary.ThingShort(thing)}, one reading of the question", m.Id));
            }
            else
            {
                diffs.Add(new(Code.DifferentEvent, Severity.Kind,
                    $"{name} counts {Vocabulary.Thing(thing)}, not {asked}.",
                    $"counts {Vocabulary.ThingShort(thing)}, not {asked}", m.Id));
            }
        }

        // Population (criminality).
        var metricSet = Vocabulary.ScopeCriminality(m);
        if (q.Population is { } asked1)
        {
            if (!metricSet.SetEquals(asked1))
            {
                var alternative = q.AlternativePopulations.Any(a => a.SetEquals(metricSet));
                var words = q.PopulationWords.Length > 0 ? $"\"{q.PopulationWords}\"" : "the question's wording";
                if (alternative)
                {
                    diffs.Add(new(Code.DifferentPopulation, Severity.Note,
                        $"{words} is read here as {Vocabulary.Population(metricSet)}; it can also mean {Vocabulary.Population(asked1)}.",
                        $"covers {Vocabulary.Population(metricSet)}", m.Id));
                }
                else if (metricSet.IsProperSupersetOf(asked1))
                {
                    var extra = new HashSet<Criminality>(metricSet);
                    extra.ExceptWith(asked1);
                    diffs.Add(new(Code.DifferentPopulation, Severity.Nearby,
                        $"{name} covers {Vocabulary.Population(metricSet)}: wider than {words}, because it also counts {Vocabulary.Population(extra)}.",
                        $"also counts {Vocabulary.Population(extra)}", m.Id));
                }
                else
                {
                    diffs.Add(new(Code.DifferentPopulation, Severity.Nearby,
                        $"{name} covers only {Vocabulary.Population(metricSet)}, narrower than {words}.",
                        $"covers only {Vocabulary.Population(metricSet)}", m.Id));
                }
            }
        }
        else if (!metricSet.SetEquals(Vocabulary.AnyCriminality) && m.Scope?.Criminality.Count > 0)
        {
            diffs.Add(new(Code.DifferentPopulation, Severity.Nearby,
                $"{name} covers only {Vocabulary.Population(metricSet)}; the question does not narrow the population.",
                $"covers only {Vocabulary.Population(metricSet)}", m.Id));
        }

        // Agency.
        var metricAgency = AgencyCode(m.Scope?.Agency);
        var askedAgency = AgencyCode(q.Agency);
        if (askedAgency.Length > 0 && metricAgency.Length > 0 && !askedAgency.Equals(metricAgency, StringComparison.OrdinalIgnoreCase))
        {
            if (Agencies.IsWithin(metricAgency, askedAgency))
            {
                diffs.Add(new(Code.ScopeNarrower, Severity.Nearby,
                    $"{name} covers {m.Scope!.Agency} only; the question asks about {q.Agency}, whose totals also include its other components.",
                    $"covers {m.Scope.Agency} only, not all of {q.Agency}", m.Id));
            }
            else if (Agencies.IsWithin(askedAgency, metricAgency))
            {
                diffs.Add(new(Code.ScopeWider, Severity.Nearby,
                    $"{name} covers all of {m.Scope!.Agency}; the question asks about {q.Agency} only.",
                    $"covers all of {m.Scope.Agency}, not only {q.Agency}", m.Id));
            }
        }

        // Counting unit.
        if (q.AsksPeople && m.Counted is { } counted && counted.Unit is not CountingUnit.People and not CountingUnit.Unspecified and not CountingUnit.Quantity)
        {
            var unitWords = counted.Unit switch
            {
                CountingUnit.Cases => "cases",
                CountingUnit.Stays => "detention stays",
                CountingUnit.BookOuts => "book-outs",
                _ => Vocabulary.ThingShort(thing),
            };
            var text = string.IsNullOrWhiteSpace(counted.Note)
                ? $"The figure counts {unitWords}, not distinct people: anyone counted more than once in the period appears more than once, so the number of people is at most the figure."
                : $"The figure counts {unitWords}, not distinct people: {Lower(counted.Note.TrimEnd('.'))}.";
            diffs.Add(new(Code.DifferentUnit, Severity.Note, text, $"counts {unitWords}, not people", m.Id));
        }

        // What the resolver saw that the checks above did not (period conflicts are judged per figure).
        foreach (var conflict in asResolved?.Conflicts ?? [])
        {
            if (conflict.Code is Code.PeriodBasis or Code.DifferentPeriod or Code.YearToDate or Code.Unspecified || diffs.Any(d => d.Code == conflict.Code))
            {
                continue;
            }

            diffs.Add(new(conflict.Code, Difference.SeverityOf(conflict.Code) == Severity.Kind ? Severity.Kind : Severity.Note,
                conflict.Text, Lower(conflict.Text.TrimEnd('.')), m.Id));
        }

        return diffs.OrderByDescending(d => d.Severity).ToList();
    }

    /// <summary>The worst severity among differences (Note when there are none).</summary>
    public static Severity Worst(IEnumerable<Difference> diffs) => diffs.Select(d => d.Severity).DefaultIfEmpty(Severity.Note).Max();

    private static string AgencyCode(string? agency) => agency switch
    {
        null => string.Empty,
        "DHS-OIG" => "OIG",
        _ => agency,
    };

    private static string Lower(string s) => s.Length > 1 && char.IsUpper(s[0]) && char.IsLower(s[1]) ? char.ToLowerInvariant(s[0]) + s[1..] : s;

    [GeneratedRegex(@"\bhow\s+many\b|\bnumber\s+of\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CountQuestionRegex();
}
