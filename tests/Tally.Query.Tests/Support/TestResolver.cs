using Tally.Analysis;
using Tally.Definitions.V1;
using Tally.Query.Composition;
using Cat = Tally.Catalog.Model;
using ParsedQuestion = Tally.Definitions.V1.ParsedQuestion;
using Period = Tally.Common.V1.Period;
using StatisticType = Tally.Definitions.V1.StatisticType;

namespace Tally.Query.Tests.Support;

/// <summary>
/// A small stand-in for the definitions service's ResolveQuestion, so the composer can be tested on many
/// phrasings without that service: Tally.Analysis parses the question (periods, agencies, glossary concepts from
/// the bundled catalog) and metrics are ranked by alias overlap plus event, population and agency matches.
/// It is deliberately simple; the end-to-end tests run the real resolver.
/// </summary>
internal static class TestResolver
{
    private static readonly Lazy<(Glossary Glossary, Dictionary<string, Cat.GlossaryDimension> Dimensions)> Words = new(() =>
    {
        var catalog = CatalogProto.Instance.Catalog;
        var terms = new List<GlossaryTerm>();
        var dims = new Dictionary<string, Cat.GlossaryDimension>(StringComparer.Ordinal);
        foreach (var e in catalog.Glossary.Where(e => e.Dimension is not (Cat.GlossaryDimension.Period or Cat.GlossaryDimension.Statistic)))
        {
            foreach (var phrase in e.Phrases.Where(p => !p.Contains('{', StringComparison.Ordinal)))
            {
                terms.Add(new GlossaryTerm(phrase, e.Value) { Also = e.Also });
            }

            dims[e.Value] = e.Dimension;
        }

        return (new Glossary(terms), dims);
    });

    public static (ParsedQuestion Parsed, List<Candidate> Candidates) Resolve(string question)
    {
        var fx = CatalogProto.Instance;
        var (glossary, dims) = Words.Value;
        var parsed = QuestionParser.Parse(question, glossary, new DateOnly(2025, 11, 22));
        var proto = new ParsedQuestion { Text = question };
        if (parsed.Periods is [var p, ..])
        {
            proto.PeriodText = p.Text;
            switch (p.Kind)
            {
                case Tally.Analysis.PeriodKind.FiscalYear:
                    proto.Period = PeriodText.FiscalYear(p.To!.Value.Year);
                    break;
                case Tally.Analysis.PeriodKind.CalendarYear:
                    proto.Period = PeriodText.CalendarYear(p.From!.Value.Year);
                    if (p.BasisAmbiguous)
                    {
                        proto.AlternativePeriods.Add(PeriodText.FiscalYear(p.From.Value.Year));
                    }

                    break;
                case Tally.Analysis.PeriodKind.AsOfDate:
                    proto.Period = CatalogProto.Period(Cat.CatalogPeriod.Parse(p.From!.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
                    proto.StatisticHint = StatisticType.Stock;
                    break;
                case Tally.Analysis.PeriodKind.Range when p.From is { } from && p.To is { } to:
                    proto.Period = new Period
                    {
                        Kind = Tally.Common.V1.PeriodKind.DateRange,
                        StartDate = from.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                        EndDate = to.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                        Label = p.Normalized,
                    };
                    break;
                case Tally.Analysis.PeriodKind.Annual:
                    proto.StatisticHint = StatisticType.Flow;
                    break;
            }
        }

        var agency = parsed.Agencies is [var first, ..] ? first.Agency.Code : null;
        proto.Agency = agency switch
        {
            null => string.Empty,
            "ERO" or "HSI" or "OPLA" => "ICE",
            "USBP" => "CBP",
            "OIG" => "DHS-OIG",
            _ => agency,
        };
        foreach (var hit in parsed.Concepts)
        {
            var kind = dims.GetValueOrDefault(hit.Concept) switch
            {
                Cat.GlossaryDimension.Event => GlossaryEntry.Types.Kind.EventWord,
                Cat.GlossaryDimension.Criminality => GlossaryEntry.Types.Kind.PopulationWord,
                Cat.GlossaryDimension.Agency => GlossaryEntry.Types.Kind.AgencyWord,
                _ => GlossaryEntry.Types.Kind.Unspecified,
            };
            var term = new NormalisedTerm { Word = hit.Text, Concept = hit.Concept, Kind = kind };
            term.AlternativeConcepts.AddRange(hit.Also);
            proto.Terms.Add(term);
            if (kind == GlossaryEntry.Types.Kind.EventWord)
            {
                proto.EventWords.Add(hit.Text);
            }
            else if (kind == GlossaryEntry.Types.Kind.PopulationWord)
            {
                proto.PopulationWords.Add(hit.Text);
            }
        }

        if (proto.Agency.Length == 0 && proto.Terms.FirstOrDefault(t => t.Kind == GlossaryEntry.Types.Kind.AgencyWord) is { } agencyTerm)
        {
            proto.Agency = agencyTerm.Concept;
        }

        var questionStems = parsed.Tokens.Where(t => !t.IsStopWord).Select(t => t.Stem).ToHashSet(StringComparer.Ordinal);
        var events = proto.Terms.Where(t => t.Kind == GlossaryEntry.Types.Kind.EventWord).ToList();
        var population = proto.Terms.FirstOrDefault(t => t.Kind == GlossaryEntry.Types.Kind.PopulationWord);
        var scored = new List<Candidate>();
        foreach (var m in fx.Metrics)
        {
            var reasons = new List<string>();
            var alias = 0.0;
            foreach (var phrase in m.Aliases.Append(m.Name))
            {
                var stems = Tokenizer.Tokenize(phrase).Where(t => !t.IsStopWord).Select(t => t.Stem).Distinct().ToList();
                if (stems.Count == 0)
                {
                    continue;
                }

                var share = stems.Count(questionStems.Contains) / (double)stems.Count;
                if (share > alias && (share >= 0.99 || (stems.Count >= 3 && share >= 0.6)))
                {
                    alias = share;
                    reasons.Add($"alias '{phrase}' matches {share:P0}");
                }
            }

            var score = 0.5 * alias;
            if (events.Any(e => e.Concept == m.Counted.Thing))
            {
                score += 0.3;
                reasons.Add($"event '{m.Counted.Thing}'");
            }
            else if (events.Any(e => e.AlternativeConcepts.Contains(m.Counted.Thing)))
            {
                score += 0.1;
            }

            if (population is not null && Vocabulary.CriminalityOf(population.Concept) is { } set
                && Vocabulary.ScopeCriminality(m).SetEquals(set))
            {
                score += 0.15;
            }

            if (proto.Agency.Length > 0 && m.Scope.Agency == proto.Agency)
            {
                score += 0.1;
            }

            // Like the real resolver: a gap, or a computed metric with the question it answers once ingested (until_ingested).
            if ((m.Gap is not null || m.Computed?.UntilIngested is not null) && alias > 0)
            {
                score += 0.05;
            }

            if (score >= 0.35 && (alias > 0 || events.Count > 0))
            {
                var c = fx.Candidate(m.Id, Math.Min(1, score), [.. reasons]);
                scored.Add(c);
            }
        }

        return (proto, scored.OrderByDescending(c => c.Score).ThenBy(c => c.MetricId, StringComparer.Ordinal).Take(5).ToList());
    }
}
