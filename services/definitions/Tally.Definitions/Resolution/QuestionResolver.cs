using System.Globalization;
using Tally.Analysis;
using Tally.Common.V1;
using Tally.Definitions.Model;
using Tally.Definitions.V1;
using W = Tally.Definitions.Resolution.ResolverWeights;
using PeriodBasis = Tally.Definitions.V1.PeriodBasis;
using PeriodKind = Tally.Analysis.PeriodKind;

namespace Tally.Definitions.Resolution;

/// <summary>
/// Ranks the registry's metrics for a question, deterministically and with reasons. Each metric is scored on
/// its phrases (aliases, name, a gap's own question), what it counts, criminality, agency, statistic type and
/// period basis, against what <see cref="QuestionParser"/> read in the question through the catalog glossary.
/// Mismatches are reported as conflicts (caveat codes), never hidden; the caller decides what they mean for
/// an answer. Metrics that a relation ties to the best candidate are listed after the direct matches.
/// </summary>
internal static class QuestionResolver
{
    public static (Tally.Definitions.V1.ParsedQuestion Parsed, IReadOnlyList<Candidate> Candidates) Resolve(
        ResolverIndex index, string question, int maxCandidates, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(index);
        var parsed = QuestionParser.Parse(question, index.Glossary, today);
        var view = new QuestionView(parsed, index);

        // Only metrics that share something with the question can match it; the rest are scored only when a
        // relation ties them to the best candidate.
        var scored = index.Profiles.Where(p => MayMatch(p, view)).Select(p => Score(p, view, index))
            .OrderByDescending(s => s.Raw).ThenBy(s => s.Profile.Id, StringComparer.Ordinal).ToList();
        var direct = scored.Where(s => s.Anchored && s.Raw >= W.MinScore).ToList();
        var candidates = direct.Select(s => s.ToCandidate(Squash(s.Raw), relatedTo: null)).ToList();

        if (direct.Count > 0)
        {
            var top = direct[0];
            var byId = scored.ToDictionary(s => s.Profile.Id, StringComparer.Ordinal);
            foreach (var (neighbourId, relation) in Neighbours(index, top.Profile))
            {
                if (!byId.TryGetValue(neighbourId, out var neighbour))
                {
                    if (!index.ById.TryGetValue(neighbourId, out var profile))
                    {
                        continue;
                    }

                    neighbour = Score(profile, view, index);
                }

                var existing = candidates.FindIndex(c => c.MetricId == neighbourId);
                var reason = RelationReason(relation, top.Profile.Id);
                if (existing >= 0)
                {
                    if (!candidates[existing].Reasons.Contains(reason))
                    {
                        candidates[existing].Reasons.Add(reason);
                    }

                    continue;
                }

                neighbour.Reasons.Insert(0, reason);
                if (relation is not null && relation.Differences.Count > 0)
                {
                    neighbour.AddConflict(relation.Differences[0], $"{relation.Reason} (relation to {top.Profile.Id})");
                }

                // Below every direct match, in the order of their own (negative or weak) evidence.
                var score = 0.05 + (0.15 * Math.Clamp(neighbour.Raw + 0.5, 0, 1));
                candidates.Add(neighbour.ToCandidate(score, top.Profile.Id));
            }
        }

        var ordered = candidates.OrderByDescending(c => c.Score).ThenBy(c => c.MetricId, StringComparer.Ordinal).Take(maxCandidates).ToList();
        return (ToProto(view), ordered);
    }

    /// <summary>Cheap test: does the metric share an event, criminality, concept or distinctive word with the question?</summary>
    private static bool MayMatch(MetricProfile m, QuestionView q)
    {
        if (m.IsGap || m.GapQuestion is not null || (q.Criminality is { } c && c.Class == m.CriminalityClass))
        {
            return true;
        }

        foreach (var e in q.Events)
        {
            if (e.Concept == m.Event || e.Also.Contains("e:" + m.Event) || Related(e.Concept, m.Event))
            {
                return true;
            }
        }

        foreach (var concept in q.Features.Concepts)
        {
            if (m.ExplainedKeys.Contains(concept.Key) || concept.Also.Any(m.ExplainedKeys.Contains))
            {
                return true;
            }
        }

        return q.Words.Any(w => m.ExplainsWord(w.Stem));
    }

    /// <summary>Maps a raw evidence sum to [0, 1) without saturating, so strong candidates stay ordered.</summary>
    private static double Squash(double raw) => Math.Round(1 - Math.Exp(-1.5 * raw), 3);

    private static IEnumerable<(string Id, Relation? Relation)> Neighbours(ResolverIndex index, MetricProfile top)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (index.RelationsByMetric.TryGetValue(top.Id, out var relations))
        {
            foreach (var relation in relations)
            {
                var other = relation.FromMetricId == top.Id ? relation.ToMetricId : relation.FromMetricId;
                if (seen.Add(other))
                {
                    yield return (other, relation);
                }
            }
        }

        foreach (var id in top.NearestMetricIds.Where(seen.Add))
        {
            yield return (id, null);
        }
    }

    private static string RelationReason(Relation? relation, string topId)
    {
        if (relation is null)
        {
            return $"related: listed by gap {topId} as a metric people confuse with it";
        }

        var type = Vocabulary.Snake(relation.Type);
        var code = relation.Differences.Count > 0 ? $" ({Vocabulary.Snake(relation.Differences[0]).ToUpperInvariant()})" : string.Empty;
        return $"related: {relation.FromMetricId} {type} {relation.ToMetricId}{code} — {relation.Reason}";
    }

    private static Scored Score(MetricProfile m, QuestionView q, ResolverIndex index)
    {
        var s = new Scored(m);

        // Events the question names that this metric can take at face value: an event qualified by a word
        // ("wrongful" deportation) belongs only to metrics whose phrases account for that word.
        var events = q.Events.Where(e => e.Qualifier is not { } w || m.ExplainsWord(w.Stem)).ToList();
        var qualified = q.Events.Where(e => !events.Contains(e)).ToList();

        var phraseEvents = ScorePhrases(s, m, q, events);
        ScoreGapQuestion(s, m, q, index);
        ScoreEvent(s, m, q, events, qualified, phraseEvents);
        ScoreCriminality(s, m, q);
        ScoreAgency(s, m, q);
        ScoreStatistic(s, m, q);
        ScorePeriod(s, m, q);
        ScoreWords(s, m, q, index);
        ScoreSubset(s, m, q, index);

        if (m.IsGap)
        {
            s.Reasons.Add("gap: no public source publishes this metric (answer NOT_PUBLISHED, with what would settle it)");
            if (s.StrongPhrase)
            {
                s.Add(W.GapStrongMatch, "gap: the question asks for exactly this unpublished metric");
            }
        }
        else if (m.IsComputed && m.GapQuestion is not null)
        {
            s.Reasons.Add($"computed: values are computed from dataset '{m.Definition.Computed.Dataset}' (NOT_PUBLISHED until it is ingested)");
            if (s.StrongPhrase)
            {
                s.Add(W.GapStrongMatch, "computed: the question asks for exactly this metric, which no source publishes as such");
            }
        }

        if (!q.AsksForNumber && s.Anchored)
        {
            s.Reasons.Add($"note: the question does not ask for a number ({Kind(q.Parsed.Kind)}); listed for context");
        }

        return s;
    }

    /// <summary>Best alias/name match; returns the event keys a fully matched phrase accounts for.</summary>
    private static HashSet<string> ScorePhrases(Scored s, MetricProfile m, QuestionView q, List<EventAsk> events)
    {
        PhraseMatch? best = null;
        foreach (var phrase in m.Phrases)
        {
            var match = Cover(phrase, q, events);
            // Ties go to the longer phrase: it accounts for more of the question.
            if (best is null || match.Strength > best.Strength || (match.Strength == best.Strength && match.Total > best.Total))
            {
                best = match;
            }
        }

        if (best is null || best.Coverage < 0.5)
        {
            return [];
        }

        var label = $"{best.Phrase.Kind} '{best.Phrase.Text}'";
        if (best.Coverage >= 0.999)
        {
            s.Add(W.PhraseFull * best.Specificity, $"{label} matches ({Describe(best.Phrase, q, events)})");
            s.Anchored = true;
            s.StrongPhrase |= best.Specificity >= 0.75;
            return best.Phrase.Elements.Where(e => e.IsEvent && Match(e, q, events) > 0).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        }

        s.Add(W.PhrasePartial * best.Coverage * best.Coverage * best.Specificity, $"{label} partly matches ({Describe(best.Phrase, q, events)})");
        s.Anchored |= best.AnchorMatched;
        return [];
    }

    private static void ScoreGapQuestion(Scored s, MetricProfile m, QuestionView q, ResolverIndex index)
    {
        if (m.GapQuestion is not { } gap)
        {
            return;
        }

        // Both ways: the question must contain most of the gap's question, and the gap's question most of the question.
        var forward = Cover(gap, q, q.Events.ToList()).Coverage;
        var backward = QuestionCoverage(gap, q, index);
        var similarity = Math.Min(forward, backward);
        if (similarity >= 0.6)
        {
            s.Add(W.GapQuestion * similarity, $"the question matches this gap's question ({similarity.ToString("0.00", CultureInfo.InvariantCulture)}): '{gap.Text}'");
            s.Anchored = true;
            s.StrongPhrase = true;
        }
    }

    private static void ScoreEvent(Scored s, MetricProfile m, QuestionView q, List<EventAsk> events, List<EventAsk> qualified, HashSet<string> phraseEvents)
    {
        if (q.Events.Count == 0)
        {
            return;
        }

        var thing = m.Event;
        if (events.FirstOrDefault(e => e.Concept == thing) is { } same)
        {
            s.Add(W.Event, $"event: '{same.Text}' → {same.Concept} matches");
            s.Anchored = true;
            return;
        }

        if (events.FirstOrDefault(e => phraseEvents.Contains(e.Key)) is { } named)
        {
            s.Reasons.Add($"event: '{named.Text}' is part of the metric's own phrase; it counts {thing}");
            return;
        }

        if (events.FirstOrDefault(e => e.Also.Contains("e:" + thing)) is { } alternative)
        {
            s.Add(W.EventAlternative, $"event: '{alternative.Text}' may also mean {thing} (the glossary's other reading)");
            s.AddConflict(Caveat.Types.Code.DifferentEvent,
                $"'{alternative.Text}' most likely means {alternative.Concept}; this metric counts {thing}, the other reading.");
            s.Anchored = true;
            return;
        }

        if (events.FirstOrDefault(e => Related(e.Concept, thing)) is { } related)
        {
            s.Add(W.EventRelated, $"event: asked {related.Concept} ('{related.Text}'), metric counts {thing} — related, not the same");
            s.AddConflict(Caveat.Types.Code.DifferentEvent, $"Asked about {related.Concept}; this metric counts {thing}{RelatedNote(related.Concept, thing)}.");
            s.Anchored = true;
            return;
        }

        var asked = events.Count > 0 ? events[0] : qualified[0];
        var what = asked.Qualifier is { } w && asked.Concept == thing
            ? $"'{w.Text} {asked.Text}' ('{w.Text}' makes it a specific kind the registry tracks separately); this metric counts all {thing}s"
            : $"{asked.Concept} ('{asked.Text}'); this metric counts {thing}";
        s.Add(W.EventMismatch, $"event: asked {what} — mismatch");
        s.AddConflict(Caveat.Types.Code.DifferentEvent, $"Asked about {what}.");
    }

    /// <summary>Release into the community is one kind of book-out.</summary>
    private static bool Related(string asked, string counted) =>
        (asked, counted) is ("release", "book_out") or ("book_out", "release");

    private static string RelatedNote(string asked, string counted) => (asked, counted) switch
    {
        ("release", "book_out") => " (book-outs also include removals and transfers)",
        ("book_out", "release") => " (releases are only the book-outs into the community)",
        _ => string.Empty,
    };

    private static void ScoreCriminality(Scored s, MetricProfile m, QuestionView q)
    {
        var metricClass = m.CriminalityClass;
        if (q.Criminality is not { } asked)
        {
            if (m.CriminalitySet != 0)
            {
                s.Add(W.CriminalityUnasked, $"criminality: metric counts only {Vocabulary.Describe(metricClass)}; the question does not limit criminality");
                s.AddConflict(Caveat.Types.Code.DifferentPopulation,
                    $"Counts only {Vocabulary.Describe(metricClass)}; the question asks about everyone.");
            }

            return;
        }

        if (asked.Class == metricClass)
        {
            s.Add(W.Criminality, $"criminality: {asked.Class} ('{asked.Text}') matches");
            s.Anchored = true;
            return;
        }

        if (asked.Also.Contains(metricClass))
        {
            s.Add(W.CriminalityAlternative, $"criminality: '{asked.Text}' may also mean {metricClass} (the glossary's other reading)");
            s.AddConflict(Caveat.Types.Code.DifferentPopulation,
                $"'{asked.Text}' most likely means {Vocabulary.Describe(asked.Class)}; this metric counts {Vocabulary.Describe(metricClass)}.");
            return;
        }

        var askedSet = Vocabulary.SetOfClass(asked.Class);
        var metricSet = m.CriminalitySet;
        var (weight, relation) = (metricSet, askedSet) switch
        {
            (0, _) => (W.CriminalityWider, "wider"),
            _ when askedSet == 0 => (W.CriminalityNarrower, "narrower"),
            _ when (metricSet & askedSet) == askedSet && metricSet != askedSet => (W.CriminalityWider, "wider"),
            _ when (metricSet & askedSet) == metricSet && metricSet != askedSet => (W.CriminalityNarrower, "narrower"),
            _ when metricSet == askedSet => (W.CriminalityNarrower, asked.Class == "convicted_violent" ? "wider" : "narrower"),
            _ => (W.CriminalityMismatch, "different"),
        };
        s.Add(weight, $"criminality: asked {asked.Class} ('{asked.Text}'), metric counts {metricClass} — {relation}");
        s.AddConflict(Caveat.Types.Code.DifferentPopulation,
            $"Asked about {Vocabulary.Describe(asked.Class)}; this metric counts {Vocabulary.Describe(metricClass)}.");
    }

    private static void ScoreAgency(Scored s, MetricProfile m, QuestionView q)
    {
        if (q.Agency is not { } asked || m.Agency.Length == 0)
        {
            return;
        }

        if (asked.Agency == m.Agency)
        {
            if (asked.Directorate is { } directorate && m.Program.Length > 0 &&
                !m.Program.StartsWith(directorate, StringComparison.OrdinalIgnoreCase))
            {
                s.Add(W.DirectorateMismatch, $"agency: asked {directorate}, metric covers {m.Agency} {m.Program} — mismatch");
                s.AddConflict(Caveat.Types.Code.DifferentPopulation, $"Asked about {directorate}; this metric covers {m.Agency} {m.Program}.");
                return;
            }

            s.Add(W.Agency, $"agency: {m.Agency} ('{asked.Text}') matches");
            return;
        }

        if (Vocabulary.AgencyWithin(m.Agency, asked.Agency))
        {
            s.Add(W.AgencyNarrower, $"agency: asked {asked.Agency}, metric covers {m.Agency} only — narrower");
            s.AddConflict(Caveat.Types.Code.ScopeNarrower, $"Covers {m.Agency} only; the question names all of {asked.Agency}.");
            return;
        }

        if (Vocabulary.AgencyWithin(asked.Agency, m.Agency))
        {
            s.Add(W.AgencyWider, $"agency: asked {asked.Agency}, metric covers all of {m.Agency} — wider");
            s.AddConflict(Caveat.Types.Code.ScopeWider, $"Covers all of {m.Agency}; the question names {asked.Agency} only.");
            return;
        }

        s.Add(W.AgencyMismatch, $"agency: asked {asked.Agency}, metric covers {m.Agency} — different");
        s.AddConflict(Caveat.Types.Code.DifferentPopulation, $"Counts what {m.Agency} does; the question names {asked.Agency}.");
    }

    private static void ScoreStatistic(Scored s, MetricProfile m, QuestionView q)
    {
        var type = m.Definition.StatisticType;
        var hint = q.StatisticHint;
        var metric = Vocabulary.Describe(type);
        if (hint == StatisticType.Unspecified)
        {
            if (q.Parsed.Kind == QuestionKind.HowMany && type is StatisticType.Share or StatisticType.Ratio or StatisticType.Average)
            {
                s.Add(W.DifferentStatistic, $"statistic: asked how many, metric is {metric} — mismatch");
                s.AddConflict(Caveat.Types.Code.DifferentStatistic, $"Asked for a count; this metric is {metric}.");
            }

            return;
        }

        var asked = q.StatisticReason;
        switch (hint, type)
        {
            case var (h, t) when h == t:
                s.Add(hint == StatisticType.Share ? 2 * W.Statistic : W.Statistic, $"statistic: {asked}, metric is {metric}");
                break;
            case (StatisticType.Flow, StatisticType.Stock):
                s.Add(W.StatisticMismatch, $"statistic: {asked}, metric is {metric} — mismatch");
                s.AddConflict(Caveat.Types.Code.StockNotFlow, "A count of people or cases on one date, not of events during a year.");
                break;
            case (StatisticType.Flow, StatisticType.Cumulative):
                s.Add(0.75 * W.StatisticMismatch, $"statistic: {asked}, metric is {metric} — mismatch");
                s.AddConflict(Caveat.Types.Code.PeriodBasis, "A running total over several years, not a count for one period.");
                break;
            case (StatisticType.Stock, StatisticType.Flow or StatisticType.Average):
                s.Add(W.StatisticMismatch, $"statistic: {asked}, metric is {metric} — mismatch");
                s.AddConflict(Caveat.Types.Code.FlowNotStock, "A count of events during a period, not of people or cases on one date.");
                break;
            case (StatisticType.Stock, StatisticType.Cumulative):
                s.Reasons.Add($"statistic: {asked}, metric is {metric} (reported on a date)");
                break;
            default:
                s.Add(W.DifferentStatistic, $"statistic: {asked}, metric is {metric} — mismatch");
                s.AddConflict(Caveat.Types.Code.DifferentStatistic, $"The question asks for {Vocabulary.Describe(hint)}; this metric is {metric}.");
                break;
        }
    }

    private static void ScorePeriod(Scored s, MetricProfile m, QuestionView q)
    {
        if (q.Period is not { } p)
        {
            return;
        }

        var basis = m.Definition.PeriodBasis;
        if (basis is PeriodBasis.DateRange or PeriodBasis.MultiYear && m.Definition.StatisticType is StatisticType.Flow &&
            p.Kind is PeriodKind.FiscalYear or PeriodKind.CalendarYear or PeriodKind.Annual)
        {
            s.Add(W.PeriodMismatch, $"period: asked '{p.Text}'; the metric covers one span of dates, not single years");
            s.AddConflict(Caveat.Types.Code.DifferentPeriod, $"Asked about '{p.Text}'; this metric is counted over a fixed span of dates, not per year.");
            return;
        }

        if (basis is not (PeriodBasis.FiscalYearUsFederal or PeriodBasis.CalendarYear))
        {
            return;
        }

        var metricBasis = Vocabulary.Describe(basis);
        var fiscal = basis == PeriodBasis.FiscalYearUsFederal;
        switch (p.Kind)
        {
            case PeriodKind.Annual or PeriodKind.Recent:
                s.Reasons.Add($"period: asked '{p.Text}'; the metric counts {metricBasis} (say which years)");
                break;
            case PeriodKind.YearToDate:
                if (m.Definition.HasYearToDateValues || m.Definition.YearToDate)
                {
                    s.Add(W.Period, $"period: asked year to date ('{p.Text}'); the metric has year-to-date values");
                }
                else
                {
                    s.Add(W.YearToDate, $"period: asked year to date ('{p.Text}'); the metric has complete years only");
                    s.AddConflict(Caveat.Types.Code.YearToDate, "Asked for a part of a year; this metric is published for complete years only.");
                }

                break;
            case PeriodKind.Month or PeriodKind.Quarter when p.Basis != Tally.Analysis.PeriodBasis.Fiscal || !fiscal:
                s.Add(W.PeriodMismatch, $"period: asked '{p.Text}'; the metric has values per {metricBasis} only");
                s.AddConflict(Caveat.Types.Code.DifferentPeriod, $"Asked about '{p.Text}'; this metric is counted over {metricBasis}.");
                break;
            case PeriodKind.FiscalYear or PeriodKind.CalendarYear or PeriodKind.Range or PeriodKind.Since or PeriodKind.Quarter:
                var askedFiscal = p.Basis == Tally.Analysis.PeriodBasis.Fiscal;
                if (askedFiscal == fiscal)
                {
                    s.Add(W.Period, $"period: asked '{p.Text}' ({p.Normalized}); the metric counts {metricBasis}");
                }
                else if (p.BasisAmbiguous && fiscal)
                {
                    s.Add(W.PeriodAmbiguous, $"period: asked '{p.Text}', read as calendar years; the metric counts {metricBasis} — basis differs");
                    s.AddConflict(Caveat.Types.Code.PeriodBasis,
                        $"'{p.Text}' reads as calendar {p.Normalized.Replace("CY", string.Empty, StringComparison.Ordinal)} (possibly the fiscal year); this metric counts {metricBasis}.");
                }
                else
                {
                    s.Add(W.PeriodMismatch, $"period: asked '{p.Text}' ({p.Normalized}); the metric counts {metricBasis} — basis differs");
                    s.AddConflict(Caveat.Types.Code.PeriodBasis, $"Asked about {p.Normalized}; this metric counts {metricBasis}.");
                }

                break;
        }
    }

    private static void ScoreWords(Scored s, MetricProfile m, QuestionView q, ResolverIndex index)
    {
        var elsewhere = new List<string>();
        var nowhere = new List<string>();
        var penalty = 0.0;
        foreach (var word in q.Words.DistinctBy(w => w.Stem))
        {
            if (m.ExplainsWord(word.Stem))
            {
                continue;
            }

            var weight = index.WordWeight(word.Stem, neutral: false);
            if (index.UsedBy(word.Stem) > 0)
            {
                penalty += W.WordElsewhere * weight;
                elsewhere.Add(word.Text);
            }
            else
            {
                penalty += W.WordNowhere * weight;
                nowhere.Add(word.Text);
            }
        }

        if (elsewhere.Count > 0)
        {
            s.Reasons.Add($"words: '{string.Join("', '", elsewhere)}' not part of this metric (other metrics use them)");
        }

        if (penalty < 0)
        {
            s.Add(Math.Max(penalty, W.WordFloor), nowhere.Count > 0 ? $"words not placed: '{string.Join("', '", nowhere)}'" : null);
        }
    }

    /// <summary>A subset (or component) of another metric, when nothing in the question singles the subset out.</summary>
    private static void ScoreSubset(Scored s, MetricProfile m, QuestionView q, ResolverIndex index)
    {
        if (!index.RelationsByMetric.TryGetValue(m.Id, out var relations))
        {
            return;
        }

        foreach (var relation in relations.Where(r => r.FromMetricId == m.Id && r.Type is RelationType.SubsetOf or RelationType.ComponentOf))
        {
            if (!index.ById.TryGetValue(relation.ToMetricId, out var whole) || SinglesOut(m, whole, q))
            {
                continue;
            }

            s.Add(W.Subset, $"scope: a {Vocabulary.Snake(relation.Type).Replace('_', ' ')} {whole.Id}; nothing in the question singles out the part");
            s.AddConflict(Caveat.Types.Code.ScopeNarrower, $"Part of {whole.Definition.Name}: {relation.Reason}");
            return;
        }
    }

    private static bool SinglesOut(MetricProfile part, MetricProfile whole, QuestionView q)
    {
        // Properties first (the metrics' own definitions), then phrase terms and words.
        if ((q.Criminality is { } c && c.Class == part.CriminalityClass && c.Class != whole.CriminalityClass) ||
            q.Events.Any(e => e.Concept == part.Event && e.Concept != whole.Event) ||
            (q.Agency is { } a && a.Agency == part.Agency && a.Agency != whole.Agency))
        {
            return true;
        }

        return q.Features.Terms.Any(t => part.ExplainedKeys.Contains(t) && !whole.ExplainedKeys.Contains(t)) ||
               q.Words.Any(w => part.ExplainsWord(w.Stem) && !whole.ExplainsWord(w.Stem));
    }

    private sealed record PhraseMatch(MetricPhrase Phrase, double Coverage, double Specificity, double Total, bool AnchorMatched)
    {
        public double Strength => Coverage * Coverage * Specificity;
    }

    /// <summary>How much of a phrase the question contains, by weight; the question's other readings count 0.6.</summary>
    private static PhraseMatch Cover(MetricPhrase phrase, QuestionView q, List<EventAsk> events)
    {
        double matched = 0;
        var anchor = false;
        foreach (var element in phrase.Elements)
        {
            var share = Match(element, q, events);
            matched += share * element.Weight;
            anchor |= share > 0 && (element.Kind == ElementKind.Concept || (element.Kind == ElementKind.Word && !element.IsNeutral));
        }

        var total = phrase.TotalWeight;
        return new PhraseMatch(phrase, total == 0 ? 0 : matched / total, Math.Min(1, total / 2.0), total, anchor);
    }

    /// <summary>1 when the question has the element, 0.6 when it has it as another reading, 0 otherwise.</summary>
    private static double Match(PhraseElement element, QuestionView q, List<EventAsk> events)
    {
        switch (element.Kind)
        {
            case ElementKind.Concept when element.IsEvent:
                return events.Any(e => e.Key == element.Key) ? 1 : events.Any(e => e.Also.Contains(element.Key)) ? 0.6 : 0;
            case ElementKind.Concept:
                return q.Features.ConceptKeys.Contains(element.Key) ? 1 : q.Features.Concepts.Any(c => c.Also.Contains(element.Key)) ? 0.6 : 0;
            case ElementKind.Agency:
                return q.Features.Agencies.Any(a => a.Agency == element.Key) ? 1 : 0;
            default:
                foreach (var word in q.AllWords)
                {
                    if (TextFeatures.WordsMatch(word.Stem, element.Key))
                    {
                        return 1;
                    }
                }

                return 0;
        }
    }

    /// <summary>"(matched, …; not: …)" for the reasons list.</summary>
    private static string Describe(MetricPhrase phrase, QuestionView q, List<EventAsk> events)
    {
        var hits = phrase.Elements.Where(e => Match(e, q, events) > 0).Select(e => e.Text).ToList();
        var misses = phrase.Elements.Where(e => Match(e, q, events) == 0).Select(e => e.Text).ToList();
        return misses.Count == 0 ? string.Join(", ", hits) : $"{string.Join(", ", hits)}; not: {string.Join(", ", misses)}";
    }

    /// <summary>How much of the question (concepts, agencies, distinctive words) a phrase accounts for.</summary>
    private static double QuestionCoverage(MetricPhrase phrase, QuestionView q, ResolverIndex index)
    {
        double total = 0, matched = 0;
        foreach (var key in q.Features.ConceptKeys)
        {
            total += 1;
            matched += phrase.Features.ConceptKeys.Contains(key) ? 1 : 0;
        }

        foreach (var agency in q.Features.Agencies.Select(a => a.Agency).Distinct(StringComparer.Ordinal))
        {
            total += 0.5;
            matched += phrase.Features.Agencies.Any(a => a.Agency == agency) ? 0.5 : 0;
        }

        foreach (var word in q.Words.DistinctBy(w => w.Stem))
        {
            var weight = index.WordWeight(word.Stem, neutral: false);
            total += weight;
            matched += phrase.Features.Words.Any(w => TextFeatures.WordsMatch(w.Stem, word.Stem)) ? weight : 0;
        }

        return total == 0 ? 0 : matched / total;
    }

    private static Tally.Definitions.V1.ParsedQuestion ToProto(QuestionView view)
    {
        var parsed = view.Parsed;
        var proto = new Tally.Definitions.V1.ParsedQuestion
        {
            Text = parsed.Original,
            Agency = view.Agency?.Agency ?? string.Empty,
            StatisticHint = view.StatisticHint,
            Kind = Kind(parsed.Kind),
        };
        if (view.Period is { } period)
        {
            proto.PeriodText = period.Text;
            if (PeriodMapper.ToProto(period) is { } p)
            {
                proto.Period = p;
            }

            proto.AlternativePeriods.AddRange(PeriodMapper.Alternatives(period));
        }

        foreach (var concept in view.Features.Concepts)
        {
            var term = new NormalisedTerm
            {
                Word = concept.Text,
                Concept = concept.Key[2..],
                Kind = concept.Key[0] switch
                {
                    'e' => GlossaryEntry.Types.Kind.EventWord,
                    'c' => GlossaryEntry.Types.Kind.PopulationWord,
                    _ => GlossaryEntry.Types.Kind.StatisticWord,
                },
            };
            term.AlternativeConcepts.AddRange(concept.Also.Select(a => a[2..]));
            proto.Terms.Add(term);
            if (concept.Key[0] == 'e')
            {
                proto.EventWords.Add(concept.Text);
            }
            else if (concept.Key[0] == 'c')
            {
                proto.PopulationWords.Add(concept.Text);
            }
        }

        foreach (var agency in view.Features.Agencies)
        {
            proto.Terms.Add(new NormalisedTerm { Word = agency.Text, Concept = agency.Agency, Kind = GlossaryEntry.Types.Kind.AgencyWord });
        }

        foreach (var mention in parsed.Periods)
        {
            var term = new NormalisedTerm { Word = mention.Text, Concept = PeriodMapper.Concept(mention), Kind = GlossaryEntry.Types.Kind.PeriodWord };
            if (mention.BasisAmbiguous)
            {
                term.AlternativeConcepts.Add("us_federal_fiscal_year");
            }

            proto.Terms.Add(term);
        }

        var ordered = proto.Terms.OrderBy(t => parsed.Original.IndexOf(t.Word, StringComparison.Ordinal)).ToList();
        proto.Terms.Clear();
        proto.Terms.AddRange(ordered);
        proto.PopulationWords.AddRange(view.AllWords.Where(w => PopulationNouns.Contains(w.Text)).Select(w => w.Text));
        return proto;
    }

    private static readonly HashSet<string> PopulationNouns = new(StringComparer.Ordinal)
    {
        "immigrant", "immigrants", "noncitizen", "noncitizens", "alien", "aliens", "deportable", "detainee", "detainees",
        "citizen", "citizens", "children", "child", "parents", "parent", "migrants", "migrant", "families", "family",
    };

    private static string Kind(QuestionKind kind) => kind switch
    {
        QuestionKind.HowMany => "how_many",
        QuestionKind.HowMuch => "how_much",
        QuestionKind.WhatShare => "what_share",
        QuestionKind.Trend => "trend",
        QuestionKind.ClaimStatement => "claim",
        QuestionKind.Lookup => "lookup",
        _ => "other",
    };

    /// <summary>One metric's evidence as it accumulates.</summary>
    private sealed class Scored(MetricProfile profile)
    {
        public MetricProfile Profile { get; } = profile;

        public double Raw { get; private set; }

        public bool Anchored { get; set; }

        public bool StrongPhrase { get; set; }

        public List<string> Reasons { get; } = [];

        public List<Caveat> Conflicts { get; } = [];

        public void Add(double weight, string? reason)
        {
            Raw += weight;
            if (reason is not null)
            {
                Reasons.Add(reason);
            }
        }

        /// <summary>One conflict per code; a second reason for the same code extends its text.</summary>
        public void AddConflict(Caveat.Types.Code code, string text)
        {
            if (Conflicts.FirstOrDefault(c => c.Code == code) is { } existing)
            {
                if (!existing.Text.Contains(text, StringComparison.Ordinal))
                {
                    existing.Text += " " + text;
                }

                return;
            }

            Conflicts.Add(new Caveat { Code = code, Text = text, MetricId = Profile.Id });
        }

        public Candidate ToCandidate(double score, string? relatedTo)
        {
            var candidate = new Candidate
            {
                MetricId = Profile.Id,
                Version = Profile.Definition.Version,
                Name = Profile.Definition.Name,
                Score = Math.Round(score, 3),
                IsGap = Profile.IsGap,
                RelatedTo = relatedTo ?? string.Empty,
            };
            candidate.Reasons.AddRange(Reasons);
            candidate.Conflicts.AddRange(Conflicts);
            return candidate;
        }
    }
}
