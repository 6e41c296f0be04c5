using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Composition;

/// <summary>An answer before its references are formatted: the citations it numbered, in order, and the metrics it read.</summary>
/// <param name="Citations">Citation n is at index n - 1; pass their ids to FormatReferences in this order.</param>
/// <param name="MetricIds">Metrics whose figures the answer depends on (for cache eviction).</param>
public sealed record ComposedAnswer(Answer Answer, IReadOnlyList<Citation> Citations, IReadOnlyList<string> MetricIds);

/// <summary>
/// Turns gathered inputs into an <see cref="Answer"/>. Pure and deterministic: all the judgement of DESIGN §5 lives
/// here (which metric and figure, the status, caveats, related figures, arithmetic, headline, follow-ups), and
/// nothing here does I/O.
/// </summary>
public static class AnswerComposer
{
    public const int DefaultMaxRelated = 5;

    public static ComposedAnswer Compose(AnswerInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return new Composition(ComputedMetrics.Prepare(inputs)).Run();
    }

    /// <summary>
    /// Puts formatted references on the answer. <paramref name="cited"/> is the composer's numbering (citation n at
    /// index n - 1); when the citation service merged two citations into one reference, or numbered differently,
    /// every citation number in the answer (headline markers included) is rewritten to the reference's number.
    /// References whose passage is not verified get an UNVERIFIED_CITATION caveat.
    /// </summary>
    public static Answer AttachReferences(Answer answer, IReadOnlyList<Citation> cited, IEnumerable<Reference> references)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(cited);
        ArgumentNullException.ThrowIfNull(references);
        var refs = references.OrderBy(r => r.Number).ToList();
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in refs)
        {
            byId.TryAdd(r.CitationId, r.Number);
            foreach (var merged in r.MergedCitationIds)
            {
                byId.TryAdd(merged, r.Number);
            }
        }

        var map = new Dictionary<int, int>();
        for (var i = 0; i < cited.Count; i++)
        {
            map[i + 1] = byId.TryGetValue(cited[i].Id, out var n) && n > 0 ? n : i + 1;
        }

        if (map.Any(kv => kv.Key != kv.Value))
        {
            Renumber(answer, map);
        }

        answer.Citations.Clear();
        answer.Citations.AddRange(refs);
        var unverified = refs.Where(r => !r.Verified).Select(r => r.Number).ToList();
        if (unverified.Count > 0 && answer.Caveats.All(c => c.Code != Caveat.Types.Code.UnverifiedCitation))
        {
            answer.Caveats.Add(new Caveat
            {
                Code = Caveat.Types.Code.UnverifiedCitation,
                Text = $"The quoted passage{(unverified.Count == 1 ? "" : "s")} behind {string.Join(" ", unverified.Select(n => $"[{n}]"))} " +
                       $"{(unverified.Count == 1 ? "has" : "have")} not been found in a stored copy of the source yet; check the link before quoting.",
            });
        }

        return answer;
    }

    private static void Renumber(Answer answer, Dictionary<int, int> map)
    {
        int M(int n) => map.TryGetValue(n, out var m) ? m : n;
        void Fix(Google.Protobuf.Collections.RepeatedField<int> numbers)
        {
            var fixedNumbers = numbers.Select(M).Distinct().ToList();
            numbers.Clear();
            numbers.AddRange(fixedNumbers);
        }

        foreach (var f in answer.Figures.Concat(answer.UnreviewedFigures))
        {
            Fix(f.Citations);
        }

        foreach (var r in answer.Related)
        {
            Fix(r.Citations);
        }

        foreach (var c in answer.Calculations.Where(c => c.PublishedCitation > 0))
        {
            c.PublishedCitation = M(c.PublishedCitation);
        }

        answer.Headline = System.Text.RegularExpressions.Regex.Replace(answer.Headline, @"\[(\d+)\]",
            m => $"[{M(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))}]");
    }

    /// <summary>References built from the citations alone, for when the citation service cannot format them.</summary>
    public static IReadOnlyList<Reference> FallbackReferences(IReadOnlyList<Citation> citations) =>
        citations.Select((c, i) => CitationBook.Fallback(c, i + 1)).ToList();

    private sealed class Composition
    {
        private readonly AnswerInputs _in;
        private readonly QuestionReading _q;
        private readonly CitationBook _book = new();
        private readonly Answer _answer;
        private readonly SortedSet<string> _read = new(StringComparer.Ordinal);
        private readonly Calculator _calc;
        private readonly HashSet<string> _publishedInCalculations = new(StringComparer.Ordinal);
        private string? _choiceNote;
        private string? _targetId;

        public Composition(AnswerInputs inputs)
        {
            _in = inputs;
            _q = QuestionReading.From(inputs.Question, inputs.Parsed ?? new ParsedQuestion { Text = inputs.Question, Period = inputs.Period }, inputs.Today);
            _calc = new Calculator(inputs);
            _answer = new Answer { Question = inputs.Question };
            if (inputs.Parsed is not null)
            {
                _answer.Resolution = new Resolution { Parsed = inputs.Parsed };
                _answer.Resolution.Candidates.AddRange(inputs.Candidates.Select(c => c.Clone()));
            }
        }

        private int MaxRelated => _in.MaxRelated > 0 ? _in.MaxRelated : DefaultMaxRelated;

        public ComposedAnswer Run()
        {
            var candidates = _in.Candidates.Where(c => _in.Registry.Find(c.MetricId) is not null).ToList();
            MetricDefinition target;
            if (!string.IsNullOrEmpty(_in.ChosenMetricId))
            {
                target = _in.Registry.Find(_in.ChosenMetricId)
                         ?? throw new ArgumentException($"Metric '{_in.ChosenMetricId}' is not in the registry (catalog version {_in.Registry.CatalogVersion}).");
            }
            else if (_in.Parsed is not null && !_q.Statistical)
            {
                return NonStatistical(candidates);
            }
            else if (candidates.Count == 0)
            {
                return OutOfScope();
            }
            else
            {
                target = PickTarget(candidates);
            }

            _read.Add(target.Id);
            _targetId = target.Id;
            if (target.Gap is not null && string.IsNullOrEmpty(_in.ChosenMetricId) && !GapFits(target))
            {
                // A gap that neither names the question's words nor counts what it asks is not its answer either:
                // the question asks about something the catalog does not hold at all.
                var nearest = candidates.Select(c => (Candidate: c, Metric: _in.Registry.Find(c.MetricId)!)).FirstOrDefault(x => x.Metric.Gap is null);
                if (nearest.Metric is not null)
                {
                    var nearestFit = MetricFit.Assess(_q, nearest.Metric, nearest.Candidate);
                    if (MetricFit.Worst(nearestFit) == Severity.Kind)
                    {
                        return NotPublishedNoMetric(nearest.Metric, nearestFit, candidates);
                    }

                    target = nearest.Metric;
                    _read.Add(target.Id);
                    _targetId = target.Id;
                }
            }

            if (target.Gap is not null)
            {
                return NotPublishedGap(target, candidates);
            }

            var chosen = !string.IsNullOrEmpty(_in.ChosenMetricId);
            IReadOnlyList<Difference> fit = _in.ByMetricId ? [] : MetricFit.Assess(_q, target, candidates.FirstOrDefault(c => c.MetricId == target.Id));
            if (!chosen && MetricFit.Worst(fit) == Severity.Kind)
            {
                return NotPublishedNoMetric(target, fit, candidates);
            }

            if (!chosen && TryClarify(target, candidates) is { } clarification)
            {
                return clarification;
            }

            var picked = FigurePicker.Pick(_q, target, _in.FiguresOf(target.Id), _in.Dimensions, _in.Vintage);
            if (picked is not null && picked.Match <= PeriodMatch.Reading && MetricFit.Worst(fit) < Severity.Nearby
                && MetricFit.Worst(picked.Differences) < Severity.Nearby)
            {
                return Answered(picked, fit, candidates);
            }

            if (picked is not null)
            {
                return Partial(picked, fit.Concat(picked.Differences).ToList(), target, candidates);
            }

            if (NearbyViaRelations(target) is { } nearby)
            {
                return Partial(nearby.Picked, nearby.Differences, target, candidates);
            }

            return NoFigure(target, candidates);
        }

        // ---- choosing the metric ---------------------------------------------------------------------------

        /// <summary>
        /// The resolver's top candidate, unless it counts something other than what is asked (a different event,
        /// a stock for a flow): then a known gap among the candidates is what the question asks about, or a close
        /// candidate without that conflict.
        /// </summary>
        private MetricDefinition PickTarget(List<Candidate> candidates)
        {
            var top = candidates[0];
            var topMetric = _in.Registry.Find(top.MetricId)!;
            if (topMetric.Gap is not null)
            {
                return topMetric;
            }

            // A known gap whose own wording appears whole in the question is what the question asks about, even when
            // a broader metric scored higher ("wrongful deportation cases" is not "deportations").
            var gaps = candidates.OrderBy(c => string.IsNullOrEmpty(c.RelatedTo) ? 0 : 1)
                .Select(c => _in.Registry.Find(c.MetricId)!).Where(m => m.Gap is not null).ToList();
            var topCoverage = AliasCoverage.Of(topMetric, _in.Question);
            var named = gaps.Select(g => (Gap: g, Coverage: AliasCoverage.Of(g, _in.Question)))
                .Where(x => x.Coverage >= 2 && x.Coverage >= topCoverage).OrderByDescending(x => x.Coverage).FirstOrDefault();
            if (named.Gap is not null)
            {
                _choiceNote = $"answer: chosen over {top.MetricId} because the question names this unpublished metric in full";
                return named.Gap;
            }

            if (MetricFit.Worst(MetricFit.Assess(_q, topMetric, top)) < Severity.Kind)
            {
                return topMetric;
            }

            var gap = gaps.FirstOrDefault();
            if (gap is not null)
            {
                _choiceNote = $"answer: chosen over {top.MetricId}, which counts something other than what is asked";
                return gap;
            }

            var alternative = candidates.Skip(1)
                .Where(c => c.Score >= top.Score * 0.75)
                .Select(c => (Candidate: c, Metric: _in.Registry.Find(c.MetricId)!))
                .FirstOrDefault(x => MetricFit.Worst(MetricFit.Assess(_q, x.Metric, x.Candidate)) < Severity.Kind);
            return alternative.Metric ?? topMetric;
        }

        /// <summary>A gap answers the question when the question names it (an alias, whole) or asks for the event it counts.</summary>
        private bool GapFits(MetricDefinition gap) =>
            AliasCoverage.Of(gap, _in.Question) >= 2 || (_q.Events.Count > 0 && MetricFit.Worst(MetricFit.Assess(_q, gap)) < Severity.Kind);

        private (PickedFigure Picked, IReadOnlyList<Difference> Differences)? NearbyViaRelations(MetricDefinition target)
        {
            var options = new List<(PickedFigure Picked, IReadOnlyList<Difference> Differences, int Order)>();
            var order = 0;
            foreach (var relation in _in.Registry.RelationsOf(target.Id))
            {
                order++;
                var other = _in.Registry.Find(RegistryView.OtherEnd(relation, target.Id));
                if (other is null || other.Gap is not null || relation.Differences.Any(c => Difference.SeverityOf(c) == Severity.Kind))
                {
                    continue;
                }

                var fit = MetricFit.Assess(_q, other);
                if (MetricFit.Worst(fit) == Severity.Kind)
                {
                    continue;
                }

                var picked = FigurePicker.Pick(_q, other, _in.FiguresOf(other.Id));
                if (picked is null || picked.Match > PeriodMatch.Reading)
                {
                    continue;
                }

                var diffs = fit.Concat(picked.Differences).ToList();
                foreach (var code in relation.Differences.Where(c => diffs.All(d => d.Code != c)))
                {
                    diffs.Add(new(code, Difference.SeverityOf(code), relation.Reason, Clause(code, other), other.Id));
                }

                if (relation.Type == RelationType.SubsetOf && diffs.All(d => d.Severity < Severity.Nearby))
                {
                    diffs.Add(new(Code.ScopeNarrower, Severity.Nearby, relation.Reason, $"covers only part of {Vocabulary.NameInSentence(target.Name)}", other.Id));
                }

                options.Add((picked, diffs, order));
            }

            return options.Count == 0
                ? null
                : options.OrderBy(o => o.Picked.Match).ThenBy(o => o.Differences.Count(d => d.Severity >= Severity.Nearby)).ThenBy(o => o.Order)
                    .Select(o => ((PickedFigure, IReadOnlyList<Difference>)?)(o.Picked, o.Differences)).First();
        }

        // ---- ANSWERED / PARTIAL ------------------------------------------------------------------------------

        private ComposedAnswer Answered(PickedFigure picked, IReadOnlyList<Difference> fit, IReadOnlyList<Candidate> candidates)
        {
            _answer.Status = AnswerStatus.Answered;
            var main = AddFigure(picked.Figure, picked.Metric, FigureRole.Main);
            _answer.Headline = Capitalise(Sentence(picked.Metric, picked.Figure, main.Citations)) + ".";
            AddCaveats(fit.Concat(picked.Differences));
            AddDefinitionCaveats(picked.Metric);
            ComputedMetrics.AddCaveats(_answer, picked.Figure, picked.Metric, _in);
            Arithmetic(new FigureOf(picked.Metric, picked.Figure));
            AddRelated(picked.Metric, candidates, picked.Metric);
            AddUnreviewed(picked.Metric);
            AddFollowUps(picked.Metric, candidates);
            return Finish(picked.Metric.Id);
        }

        private ComposedAnswer Partial(PickedFigure picked, IReadOnlyList<Difference> diffs, MetricDefinition asked, IReadOnlyList<Candidate> candidates)
        {
            _answer.Status = AnswerStatus.Partial;
            var main = AddFigure(picked.Figure, picked.Metric, FigureRole.Main);
            var clauses = diffs.Where(d => d.Severity >= Severity.Nearby).Select(d => d.Clause).Distinct().Take(2).ToList();
            var why = clauses.Count == 0 ? "is not exactly what was asked" : string.Join(" and ", clauses);
            var lead = picked.Metric.Id == asked.Id
                ? "The closest published figure is "
                : $"No figure for {Vocabulary.NameInSentence(asked.Name)}{AskedPeriodPhrase()} is held; the closest published figure is ";
            _answer.Headline = lead + NounPhrase(picked.Metric, picked.Figure, main.Citations) + $"; it {why}, so it is not exactly what was asked.";
            AddCaveats(diffs);
            AddDefinitionCaveats(picked.Metric);
            ComputedMetrics.AddCaveats(_answer, picked.Figure, picked.Metric, _in);
            Arithmetic(new FigureOf(picked.Metric, picked.Figure));
            AddRelated(picked.Metric, candidates, asked);
            AddUnreviewed(asked);
            AddFollowUps(asked, candidates);
            return Finish(picked.Metric.Id);
        }

        // ---- NEEDS_CLARIFICATION ------------------------------------------------------------------------------

        private ComposedAnswer? TryClarify(MetricDefinition target, IReadOnlyList<Candidate> candidates)
        {
            var pool = new List<MetricDefinition> { target };
            pool.AddRange(candidates.Select(c => _in.Registry.Find(c.MetricId)!));
            pool.AddRange(_in.Registry.RelationsOf(target.Id).Select(r => _in.Registry.Find(RegistryView.OtherEnd(r, target.Id))).OfType<MetricDefinition>());
            var peers = pool.Where(m => m.Gap is null && m.Counted?.Thing == target.Counted?.Thing && m.StatisticType == target.StatisticType
                                        && m.Scope?.Agency == target.Scope?.Agency)
                .DistinctBy(m => m.Id).ToList();

            // "in 2024": fiscal and calendar readings with different published values.
            if (_q.PeriodAmbiguous && _q.Period is { } calendar)
            {
                var readings = new[] { calendar }.Concat(_q.AlternativePeriods).ToList();
                var found = readings
                    .Select(p => (Period: p, Hit: peers.Where(m => m.Id == target.Id || MetricFit.Worst(MetricFit.Assess(_q, m)) < Severity.Nearby)
                        .Select(m => _calc.FigureFor(m.Id, p)).OfType<FigureOf>().FirstOrDefault()))
                    .Where(x => x.Hit is not null).ToList();
                if (found.Count >= 2 && Differ(found[0].Hit!, found[1].Hit!))
                {
                    var options = found.Take(2).Select(x => (x.Hit!, $"{_q.PeriodText.Trim()} read as {PeriodText.Short(x.Period)}",
                        Rephrase(_q.PeriodText, x.Period.Kind == PeriodKind.FiscalYear ? $"in fiscal year {PeriodText.Year(x.Period)}" : $"in calendar year {PeriodText.Year(x.Period)}"))).ToList();
                    return Clarify($"\"{_q.PeriodText.Trim()}\" can mean fiscal year {PeriodText.Year(calendar)} (October–September, the way agencies report) or calendar year {PeriodText.Year(calendar)}, and the published figures differ",
                        Code.PeriodBasis, options);
                }
            }

            // "criminal record": convicted, or convicted plus pending charges.
            if (_q.Population is { } primary && _q.AlternativePopulations.Count > 0)
            {
                var primaryHit = ReadingHit(peers, primary);
                var alternativeHit = _q.AlternativePopulations.Select(a => ReadingHit(peers, a)).FirstOrDefault(h => h is not null);
                var meant = primaryHit is not null && _q.PopulationWords.Length > 0
                            && primaryHit.Metric.Aliases.Append(primaryHit.Metric.Name).Any(a => a.Contains(_q.PopulationWords, StringComparison.OrdinalIgnoreCase));
                if (!meant && primaryHit is not null && alternativeHit is not null && primaryHit.Metric.Id != alternativeHit.Metric.Id && Differ(primaryHit, alternativeHit))
                {
                    var words = _q.PopulationWords.Length > 0 ? _q.PopulationWords : "the population words";
                    var options = new[] { primaryHit, alternativeHit }.Select(h =>
                    {
                        var set = Vocabulary.ScopeCriminality(h.Metric);
                        return (h, $"\"{words}\" read as {Vocabulary.Population(set)}", Rephrase(words, PopulationPhrase(set)));
                    }).ToList();
                    return Clarify($"\"{words}\" can be read two ways — {Vocabulary.Population(Vocabulary.ScopeCriminality(primaryHit.Metric))}, or {Vocabulary.Population(Vocabulary.ScopeCriminality(alternativeHit.Metric))} — and the published figures differ",
                        Code.DifferentPopulation, options);
                }
            }

            return null;
        }

        private FigureOf? ReadingHit(IEnumerable<MetricDefinition> peers, IReadOnlySet<Criminality> population)
        {
            foreach (var m in peers.Where(m => Vocabulary.ScopeCriminality(m).SetEquals(population)))
            {
                var picked = FigurePicker.Pick(_q, m, _in.FiguresOf(m.Id));
                if (picked is { Match: <= PeriodMatch.Reading })
                {
                    return new FigureOf(m, picked.Figure);
                }
            }

            return null;
        }

        private static bool Differ(FigureOf a, FigureOf b)
        {
            var x = ValueText.BaseValue(a.Figure);
            var y = ValueText.BaseValue(b.Figure);
            return Math.Abs(x - y) > Math.Max(Math.Abs(x), Math.Abs(y)) * 0.005;
        }

        private ComposedAnswer Clarify(string lead, Code code, IReadOnlyList<(FigureOf Hit, string Reading, string FollowUp)> options)
        {
            _answer.Status = AnswerStatus.NeedsClarification;
            var phrases = new List<string>();
            foreach (var (hit, _, _) in options)
            {
                var figure = AddFigure(hit.Figure, hit.Metric, FigureRole.Main);
                phrases.Add(NounPhrase(hit.Metric, hit.Figure, figure.Citations));
                _read.Add(hit.Metric.Id);
            }

            _answer.Headline = $"{lead}: {string.Join(" versus ", phrases)}.";
            _answer.Caveats.Add(new Caveat
            {
                Code = code,
                Text = "Two readings of the question lead to materially different published figures; choose one (ask again with the wording of a follow-up, or pass chosen_metric_id) before quoting a number.",
            });
            foreach (var (hit, reading, _) in options)
            {
                _answer.Caveats.Add(new Caveat { Code = code, Text = $"{Capitalise(reading)}: {Vocabulary.StripParentheticals(hit.Metric.Name)} ({hit.Metric.Id}).", MetricId = hit.Metric.Id });
            }

            _answer.FollowUps.AddRange(options.Select(o => o.FollowUp).Where(f => !string.Equals(f, _in.Question, StringComparison.Ordinal)).Distinct());
            return Finish([.. options.Select(o => o.Hit.Metric.Id)]);
        }

        // ---- NOT_PUBLISHED / OUT_OF_SCOPE ------------------------------------------------------------------------

        private ComposedAnswer NotPublishedGap(MetricDefinition gapMetric, IReadOnlyList<Candidate> candidates)
        {
            _answer.Status = AnswerStatus.NotPublished;
            var gap = gapMetric.Gap!;
            var related = SelectRelated(gapMetric, candidates, gapMetric, gap.NearestMetricIds);
            var quoted = related.Where(r => !ValueText.IsCharacterisation(r.Picked.Figure) && gap.WhyUnpublished.Contains(ValueText.Number(ValueText.BaseValue(r.Picked.Figure), r.Picked.Figure.Unit), StringComparison.Ordinal))
                .Take(2).ToList();
            var what = $"{(_q.Annual || gapMetric.Name.Contains("(annual)", StringComparison.OrdinalIgnoreCase) ? "an annual count" : "a count")} of {Vocabulary.NameInSentence(gapMetric.Name)}{AskedPeriodPhrase()}";
            if (quoted.Count > 0)
            {
                var phrases = quoted.Select(r => NounPhrase(r.Picked.Metric, r.Picked.Figure, _book.Cite(r.Picked.Figure), shortPeriod: true)).ToList();
                _answer.Headline = $"No public source in Tally's catalog publishes {what}; the figures often quoted in its place, {Join(phrases)}, measure different things.";
            }
            else
            {
                _answer.Headline = $"No public source in Tally's catalog publishes {what}: {Lower(FirstSentence(gap.WhyUnpublished))}";
            }

            var summary = NotTheAnswerCaveats(related, $"{Vocabulary.NameInSentence(gapMetric.Name)}");
            AddRelatedFigures(related);
            _answer.Caveats.AddRange(summary);
            ArithmeticForRelated(related);
            _answer.DataGaps.Add(new DataGap
            {
                MetricId = gapMetric.Id,
                Question = gap.Question,
                WhyUnpublished = gap.WhyUnpublished,
                WhatWouldSettle = gap.WhatWouldSettle,
            });
            AddFollowUps(gapMetric, candidates);
            ComputedMetrics.AddPendingCaveat(_answer, gapMetric, _in);
            return Finish();
        }

        private ComposedAnswer NotPublishedNoMetric(MetricDefinition nearest, IReadOnlyList<Difference> fit, IReadOnlyList<Candidate> candidates)
        {
            _answer.Status = AnswerStatus.NotPublished;
            var kind = fit.Where(d => d.Severity == Severity.Kind).ToList();
            var asked = AskedDescription();
            _answer.Headline = $"No public source in Tally's catalog publishes {asked}; the nearest metric, {Vocabulary.NameInSentence(nearest.Name)}, {string.Join(" and ", kind.Select(d => d.Clause).Distinct().Take(2))}, so it does not answer the question.";
            var related = SelectRelated(nearest, candidates, nearest, [], includeSelf: true, selfReason: string.Join(" ", kind.Select(d => d.Text).Distinct()));
            var summary = NotTheAnswerCaveats(related, "what the question asks");
            AddRelatedFigures(related);
            _answer.Caveats.AddRange(summary);
            ArithmeticForRelated(related);
            _answer.DataGaps.Add(new DataGap
            {
                MetricId = nearest.Id,
                Question = _in.Question,
                WhyUnpublished = (_q.Events.Count > 0
                    ? $"No metric in Tally's catalog counts {asked.Replace("a count of ", string.Empty, StringComparison.Ordinal)}."
                    : "No metric in Tally's catalog measures what this question asks.") +
                    $" The nearest, {Vocabulary.NameInSentence(nearest.Name)}, differs: {string.Join(" ", kind.Select(d => d.Text).Distinct())}",
                WhatWouldSettle = (_q.Events.Count > 0
                    ? $"A published count of {asked.Replace("a count of ", string.Empty, StringComparison.Ordinal)}, with a definition of what is counted"
                    : "A published figure for what the question asks, with a definition of what is counted") +
                    " - or a record-level dataset from which Tally can compute it, naming the data pull it used.",
            });
            AddFollowUps(nearest, candidates);
            return Finish();
        }

        private ComposedAnswer NoFigure(MetricDefinition target, IReadOnlyList<Candidate> candidates)
        {
            var unreviewed = UnreviewedFor(target);
            _answer.Status = unreviewed.Count > 0 ? AnswerStatus.Partial : AnswerStatus.NotPublished;
            var name = Vocabulary.NameInSentence(target.Name);
            _answer.Headline = unreviewed.Count > 0
                ? $"Tally holds no reviewed figure for {name}{AskedPeriodPhrase()}; {unreviewed.Count} figure{(unreviewed.Count == 1 ? " was" : "s were")} found in a source but not yet reviewed, and {(unreviewed.Count == 1 ? "is" : "are")} listed separately, not as the answer."
                : $"No source in Tally's catalog gives a figure for {name}{AskedPeriodPhrase()}: the metric is defined, but no published value for it is held.";
            var related = SelectRelated(target, candidates, target, []);
            var summary = NotTheAnswerCaveats(related, name);
            AddRelatedFigures(related);
            _answer.Caveats.AddRange(summary);
            AddUnreviewed(target);
            if (unreviewed.Count == 0)
            {
                _answer.DataGaps.Add(new DataGap
                {
                    MetricId = target.Id,
                    Question = _in.Question,
                    WhyUnpublished = $"Tally's registry defines {name}, but no source in its catalog gives a value{AskedPeriodPhrase()}.",
                    WhatWouldSettle = $"A source that publishes {name}{AskedPeriodPhrase()}, ingested into Tally and reviewed. {target.Description}",
                });
            }

            AddFollowUps(target, candidates);
            return Finish();
        }

        private ComposedAnswer NonStatistical(IReadOnlyList<Candidate> candidates)
        {
            _answer.Status = AnswerStatus.OutOfScope;
            _answer.Headline = "This question does not ask for a number, and Tally answers only with published statistics: nothing in its catalog answers it.";
            _answer.Caveats.Add(new Caveat
            {
                Code = Code.DifferentStatistic,
                Text = "Processes, criteria, consequences and remedies are matters of law and practice; a fact-checker needs the agency's rules or legal sources, not a statistic.",
            });
            foreach (var c in candidates.Take(3))
            {
                var m = _in.Registry.Find(c.MetricId)!;
                _answer.FollowUps.Add(m.Gap is { } g ? g.Question : MetricQuestion(m, null));
            }

            DedupeFollowUps();
            return Finish();
        }

        private ComposedAnswer OutOfScope()
        {
            _answer.Status = AnswerStatus.OutOfScope;
            _answer.Headline = "Nothing in Tally's catalog relates to this question, so Tally has no sourced figure to give.";
            _answer.Caveats.Add(new Caveat
            {
                Code = Code.DifferentEvent,
                Text = "No metric in the registry matched the question's wording; rephrasing with the agency, the event (removed, released, arrested) and the period may help.",
            });
            return Finish();
        }

        // ---- related figures ---------------------------------------------------------------------------------------

        private sealed record RelatedPick(PickedFigure Picked, Relation? Relation, string Reason, IReadOnlyList<Code> Codes);

        private List<RelatedPick> SelectRelated(
            MetricDefinition anchor, IReadOnlyList<Candidate> candidates, MetricDefinition comparedWith, IEnumerable<string> nearestIds,
            bool includeSelf = false, string? selfReason = null)
        {
            var gapMode = _answer.Figures.Count == 0;
            var quotedIn = anchor.Gap?.WhyUnpublished;
            var exclude = new HashSet<string>(_answer.Figures.Select(f => f.MetricId), StringComparer.Ordinal);
            exclude.UnionWith(_publishedInCalculations);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var found = new List<(RelatedPick Pick, double Score, int Order)>();
            var order = 0;
            var nearestRank = nearestIds.Select((id, i) => (id, i)).DistinctBy(x => x.id).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);

            void Consider(string id, Relation? relation, double bonus)
            {
                order++;
                if (exclude.Contains(id) || !seen.Add(id) || _in.Registry.Find(id) is not { Gap: null } metric)
                {
                    return;
                }

                var picked = FigurePicker.Pick(_q, metric, _in.FiguresOf(id), allowCharacterisations: true);
                if (picked is null)
                {
                    return;
                }

                _read.Add(id);
                var fit = MetricFit.Assess(_q, metric);
                var codes = new List<Code>();
                if (relation is not null)
                {
                    codes.AddRange(relation.Differences);
                }

                codes.AddRange(fit.Where(d => d.Severity >= Severity.Nearby).Select(d => d.Code));
                if (picked.Match == PeriodMatch.Nearby && picked.Differences.FirstOrDefault(d => d.Severity >= Severity.Nearby) is { } periodDiff)
                {
                    codes.Add(periodDiff.Code);
                }

                var reason = id == anchor.Id && selfReason is not null ? selfReason
                    : relation is not null ? relation.Reason
                    : Differ(metric, comparedWith);
                if (!gapMode && (ValueText.IsCharacterisation(picked.Figure) || picked.Match == PeriodMatch.None
                                 || (relation?.Type is RelationType.SubsetOf or RelationType.ComponentOf && picked.Match > PeriodMatch.Reading)))
                {
                    return; // answers with a figure list only the confusable numbers, not background
                }

                var score = bonus + (nearestRank.TryGetValue(id, out var rank) ? 3 - (0.3 * rank) : 0);
                score += picked.Match <= PeriodMatch.Reading ? (gapMode ? 0.5 : 2) : 0;
                score -= codes.Contains(Code.DifferentStatistic) ? 2 : 0;
                // The numbers most easily mistaken for the answer have its shape: same statistic, counting unit, calendar.
                score += metric.StatisticType == comparedWith.StatisticType ? 1 : 0;
                score += metric.Counted?.Unit == comparedWith.Counted?.Unit ? 0.5 : 0;
                score += metric.PeriodBasis == comparedWith.PeriodBasis ? 0.25 : 0;
                score += quotedIn is not null && !ValueText.IsCharacterisation(picked.Figure)
                         && quotedIn.Contains(ValueText.Number(ValueText.BaseValue(picked.Figure), picked.Figure.Unit), StringComparison.Ordinal) ? 2 : 0;
                score -= ValueText.IsCharacterisation(picked.Figure) ? 2 : 0;
                score -= picked.Match == PeriodMatch.None ? 1 : 0;
                if (_q.Population is { } asked)
                {
                    var set = Vocabulary.ScopeCriminality(metric);
                    score += set.SetEquals(asked) ? 1.5 : _q.AlternativePopulations.Any(a => a.SetEquals(set)) || set.IsProperSupersetOf(asked) ? 0.75 : 0;
                }

                found.Add((new RelatedPick(picked, relation, reason, codes.Where(c => c != Code.Unspecified).Distinct().ToList()), score, order));
            }

            if (includeSelf)
            {
                Consider(anchor.Id, null, 10);
            }

            foreach (var relation in _in.Registry.RelationsOf(anchor.Id))
            {
                Consider(RegistryView.OtherEnd(relation, anchor.Id), relation, relation.Type == RelationType.NotInterchangeableWith ? 1.5 : 1);
            }

            foreach (var id in nearestIds)
            {
                Consider(id, null, 1);
            }

            for (var i = 0; i < candidates.Count; i++)
            {
                Consider(candidates[i].MetricId, null, Math.Max(0, 2 - (0.5 * i)));
            }

            return found.OrderByDescending(f => f.Score).ThenBy(f => f.Order).Take(MaxRelated).Select(f => f.Pick).ToList();
        }

        private void AddRelated(MetricDefinition anchor, IReadOnlyList<Candidate> candidates, MetricDefinition asked)
        {
            var related = SelectRelated(anchor, candidates, anchor, asked.Gap?.NearestMetricIds ?? []);
            if (asked.Id != anchor.Id)
            {
                related = [.. related.Where(r => r.Picked.Metric.Id != asked.Id)];
            }

            AddRelatedFigures(related);
        }

        private void AddRelatedFigures(IEnumerable<RelatedPick> related)
        {
            foreach (var r in related)
            {
                var f = r.Picked.Figure;
                var item = new RelatedFigure
                {
                    Value = ValueText.BaseValue(f),
                    Period = f.Period ?? new Period(),
                    MetricId = r.Picked.Metric.Id,
                    MetricName = r.Picked.Metric.Name,
                    RelationType = r.Relation?.Type ?? RelationType.Unspecified,
                    Reason = r.Reason,
                    Qualifier = f.Qualifier,
                    ValueText = ValueText.Format(f),
                    DefinitionVersion = f.DefinitionVersion > 0 ? f.DefinitionVersion : r.Picked.Metric.Version,
                };
                item.Differences.AddRange(r.Codes);
                item.Citations.AddRange(_book.Cite(f));
                _answer.Related.Add(item);
            }
        }

        /// <summary>One caveat per kind of difference among the related figures: why none of them is the answer.</summary>
        private static List<Caveat> NotTheAnswerCaveats(IReadOnlyList<RelatedPick> related, string askedWords)
        {
            var caveats = new List<Caveat>();
            var order = new[] { Code.StockNotFlow, Code.DifferentEvent, Code.FlowNotStock, Code.DifferentStatistic };
            var said = new HashSet<string>(StringComparer.Ordinal);
            foreach (var code in order)
            {
                var items = related.Where(r => r.Codes.Contains(code) && !said.Contains(r.Picked.Metric.Id)).ToList();
                said.UnionWith(items.Select(r => r.Picked.Metric.Id));
                if (items.Count == 0)
                {
                    continue;
                }

                var list = Capitalise(Join(items.Take(4).Select(r => $"{ValueText.Format(r.Picked.Figure)} ({Vocabulary.NameInSentence(r.Picked.Metric.Name)}, {PeriodText.Label(r.Picked.Figure.Period)})").ToList()));
                var many = items.Count > 1;
                var text = code switch
                {
                    Code.StockNotFlow => $"{list} {(many ? "are" : "is")} counted as of a date or accumulated over several years, not a number for any one year; do not report {(many ? "them" : "it")} as {askedWords}.",
                    Code.FlowNotStock => $"{list} {(many ? "count" : "counts")} events over a period, not how many there are on a date.",
                    Code.DifferentEvent => $"{list} {(many ? "count" : "counts")} other things ({string.Join("; ", items.Select(r => Vocabulary.ThingShort(r.Picked.Metric.Counted?.Thing ?? string.Empty)).Distinct())}), not {askedWords}.",
                    Code.DifferentStatistic => $"{list} {(many ? "are" : "is")} a different kind of statistic (a share or an average rather than a count, or the reverse).",
                    Code.DifferentPopulation => $"{list} {(many ? "cover" : "covers")} a different group of people than the question asks about.",
                    Code.ScopeNarrower => $"{list} {(many ? "cover" : "covers")} only part of the agencies or programs the question asks about.",
                    Code.ScopeWider => $"{list} {(many ? "cover" : "covers")} more agencies or programs than the question asks about.",
                    Code.PeriodBasis => $"{list} {(many ? "use" : "uses")} a different kind of period (fiscal year, calendar year or a multi-year total) than the question.",
                    _ => $"{list} {(many ? "are" : "is")} for other periods than the one asked.",
                };
                caveats.Add(new Caveat { Code = code, Text = text });
            }

            return caveats;
        }

        // ---- arithmetic ---------------------------------------------------------------------------------------------

        private void Arithmetic(FigureOf main)
        {
            var period = main.Figure.Period;
            if (!PeriodText.IsSet(period))
            {
                return;
            }

            var cite = CiteOne;
            var parts = _calc.PartsOf(main.Metric.Id, period);
            foreach (var part in parts)
            {
                AddFigure(part.Figure, part.Metric, FigureRole.Component);
                _read.Add(part.Metric.Id);
            }

            if (main.Metric.Derived is { Operation: DerivedSource.Types.Operation.Sum } sum && sum.Operands.All(o => parts.Any(p => p.Metric.Id == o.MetricId)))
            {
                AddCalculation(Calculator.Sum(main, [.. sum.Operands.Select(o => parts.First(p => p.Metric.Id == o.MetricId))], cite));
            }

            foreach (var part in parts.Where(p => _in.Registry.RelationsOf(p.Metric.Id).Any(r => r.FromMetricId == p.Metric.Id && r.ToMetricId == main.Metric.Id && r.Type == RelationType.SubsetOf)))
            {
                var published = _calc.PublishedShare(part.Metric.Id, main.Metric.Id, period);
                AddCalculation(Calculator.Share(part, main, published, cite));
                if (published is not null)
                {
                    _read.Add(published.Metric.Id);
                    _publishedInCalculations.Add(published.Metric.Id);
                }
            }

            if (_calc.WholeOf(main.Metric.Id, period) is { } whole)
            {
                AddFigure(whole.Figure, whole.Metric, FigureRole.Context);
                _read.Add(whole.Metric.Id);
                var wholeParts = _calc.PartsOf(whole.Metric.Id, period);
                if (whole.Metric.Derived is { Operation: DerivedSource.Types.Operation.Sum } wholeSum && wholeSum.Operands.All(o => wholeParts.Any(p => p.Metric.Id == o.MetricId)))
                {
                    AddCalculation(Calculator.Sum(whole, [.. wholeSum.Operands.Select(o => wholeParts.First(p => p.Metric.Id == o.MetricId))], cite));
                }
                else
                {
                    var published = _calc.PublishedShare(main.Metric.Id, whole.Metric.Id, period);
                    AddCalculation(Calculator.Share(main, whole, published, cite));
                }
            }

            if (PeriodText.PreviousYear(period) is { } previousPeriod && _calc.FigureFor(main.Metric.Id, previousPeriod) is { } previous)
            {
                AddFigure(previous.Figure, previous.Metric, FigureRole.Context);
                AddCalculation(Calculator.Change(previous, main));
            }
        }

        /// <summary>For answers without a main figure: recompute what the related figures' own sources state.</summary>
        private void ArithmeticForRelated(IReadOnlyList<RelatedPick> related)
        {
            var cite = CiteOne;
            foreach (var r in related)
            {
                var period = r.Picked.Figure.Period;
                if (!PeriodText.IsSet(period) || ValueText.IsCharacterisation(r.Picked.Figure))
                {
                    continue;
                }

                var self = new FigureOf(r.Picked.Metric, r.Picked.Figure);
                if (r.Picked.Metric.Derived is { Operation: DerivedSource.Types.Operation.Sum } sum)
                {
                    var parts = _calc.PartsOf(r.Picked.Metric.Id, period);
                    if (sum.Operands.All(o => parts.Any(p => p.Metric.Id == o.MetricId)))
                    {
                        AddCalculation(Calculator.Sum(self, [.. sum.Operands.Select(o => parts.First(p => p.Metric.Id == o.MetricId))], cite));
                        _read.UnionWith(parts.Select(p => p.Metric.Id));
                    }
                }

                foreach (var relation in _in.Registry.RelationsOf(r.Picked.Metric.Id).Where(x => x.FromMetricId == r.Picked.Metric.Id && x.Type == RelationType.SubsetOf))
                {
                    if (_calc.PublishedShare(r.Picked.Metric.Id, relation.ToMetricId, period) is { } published && _calc.FigureFor(relation.ToMetricId, period) is { } whole)
                    {
                        AddCalculation(Calculator.Share(self, whole, published, cite));
                        _read.Add(whole.Metric.Id);
                        _read.Add(published.Metric.Id);
                    }
                }
            }
        }

        private int CiteOne(Figure f) => _book.Cite(f) is [var n, ..] ? n : 0;

        private void AddCalculation(Calculation calculation)
        {
            if (_answer.Calculations.All(c => c.Expression != calculation.Expression))
            {
                _answer.Calculations.Add(calculation);
                if (calculation.HasPublishedValue && !calculation.MatchesPublished)
                {
                    _answer.Caveats.Add(new Caveat
                    {
                        Code = Code.Revised,
                        Text = $"Recomputed from the published figures, {Lower(calculation.Description)} is {calculation.ResultText}, but the source publishes {ValueText.Number(calculation.PublishedValue, calculation.ResultText.EndsWith('%') ? "percent" : "count")}; one of the published numbers may be rounded, revised or wrong.",
                    });
                }
            }
        }

        // ---- figures, caveats, unreviewed, follow-ups ---------------------------------------------------------------

        private AnswerFigure AddFigure(Figure f, MetricDefinition metric, FigureRole role)
        {
            var existing = _answer.Figures.FirstOrDefault(x => x.FigureId == f.Id && !string.IsNullOrEmpty(f.Id));
            if (existing is not null)
            {
                return existing;
            }

            var item = ToAnswerFigure(f, metric, role);
            item.Citations.AddRange(_book.Cite(f));
            ComputedMetrics.Describe(item, f, _in);
            _answer.Figures.Add(item);
            return item;
        }

        private static AnswerFigure ToAnswerFigure(Figure f, MetricDefinition metric, FigureRole role)
        {
            var item = new AnswerFigure
            {
                Value = ValueText.BaseValue(f),
                Period = f.Period ?? new Period(),
                MetricId = metric.Id,
                DefinitionVersion = f.DefinitionVersion > 0 ? f.DefinitionVersion : metric.Version,
                DefinitionUpdatedBy = metric.UpdatedBy,
                DefinitionUpdatedAt = metric.UpdatedAt,
                Qualifier = f.Qualifier,
                Status = f.Status,
                Vintage = f.Vintage,
                Role = role,
                MetricName = metric.Name,
                Unit = string.IsNullOrEmpty(f.Unit) ? metric.Unit : f.Unit,
                ValueText = ValueText.Format(f),
                FigureId = f.Id,
                ReviewState = f.ReviewState == ReviewState.Unspecified ? ReviewState.Unreviewed : f.ReviewState,
            };
            item.Dimensions.AddRange(f.Dimensions);
            return item;
        }

        private void AddCaveats(IEnumerable<Difference> diffs)
        {
            foreach (var d in diffs.OrderByDescending(d => d.Severity).ThenBy(d => Priority(d.Code)))
            {
                if (_answer.Caveats.All(c => c.Code != d.Code || c.Text != d.Text))
                {
                    _answer.Caveats.Add(d.ToCaveat());
                }
            }
        }

        /// <summary>The metric's own caveats (from its definition), unless the answer already says the same thing.</summary>
        private void AddDefinitionCaveats(MetricDefinition metric)
        {
            foreach (var c in metric.Caveats)
            {
                if (DefinitionCaveats.Map(c.Code) is not { } code)
                {
                    continue;
                }

                var same = _answer.Caveats.FirstOrDefault(x => x.Code == code && x.MetricId == metric.Id);
                if (same is null)
                {
                    _answer.Caveats.Add(new Caveat { Code = code, Text = c.Text, MetricId = metric.Id });
                }
                else if (code == Code.DifferentUnit)
                {
                    same.Text = c.Text; // the definition's own wording of "events, not people" is the more exact one
                }
            }
        }

        private List<Figure> UnreviewedFor(MetricDefinition metric) =>
            _in.FiguresOf(metric.Id)
                .Where(f => FigurePicker.IsUnreviewed(f) && FigurePicker.Fit(_q, metric, f.Period).Match <= PeriodMatch.Reading)
                .OrderByDescending(f => PeriodText.End(f.Period) ?? DateOnly.MinValue).ThenBy(f => f.Id, StringComparer.Ordinal)
                .ToList();

        private void AddUnreviewed(MetricDefinition metric)
        {
            var figures = UnreviewedFor(metric);
            if (figures.Count == 0)
            {
                return;
            }

            foreach (var f in figures)
            {
                var item = ToAnswerFigure(f, metric, FigureRole.Context);
                item.Citations.AddRange(_book.Cite(f));
                _answer.UnreviewedFigures.Add(item);
            }

            var list = Join(figures.Take(3).Select(f => $"{ValueText.Format(f)} ({PeriodText.Short(f.Period)})").ToList());
            _answer.Caveats.Add(new Caveat
            {
                Code = Code.UnreviewedFigure,
                Text = $"Found in a source, not yet reviewed: {list}. {(figures.Count == 1 ? "It is" : "They are")} listed separately and {(figures.Count == 1 ? "is" : "are")} not part of this answer until a person checks {(figures.Count == 1 ? "it" : "them")}.",
                MetricId = metric.Id,
            });
        }

        private void AddFollowUps(MetricDefinition subject, IReadOnlyList<Candidate> candidates)
        {
            // The same question one year earlier, in the asker's own words.
            if (_q.Period is { } p && PeriodText.PreviousYear(p) is { } previous && _q.PeriodText.Length > 0)
            {
                var rephrased = Rephrase(_q.PeriodText, PreviousYearWords(_q.PeriodText, PeriodText.Year(p), PeriodText.Year(previous)));
                _answer.FollowUps.Add(rephrased);
            }

            // Gaps next to the subject: the questions people ask that no source answers.
            foreach (var relation in _in.Registry.RelationsOf(subject.Id))
            {
                if (_in.Registry.Find(RegistryView.OtherEnd(relation, subject.Id)) is { Gap: { } gap })
                {
                    _answer.FollowUps.Add(gap.Question);
                }
            }

            foreach (var related in _answer.Related.Take(2))
            {
                if (_in.Registry.Find(related.MetricId) is { } m)
                {
                    _answer.FollowUps.Add(MetricQuestion(m, related.Period));
                }
            }

            foreach (var c in candidates.Skip(1).Take(2))
            {
                if (_in.Registry.Find(c.MetricId) is { Gap: { } gap })
                {
                    _answer.FollowUps.Add(gap.Question);
                }
            }

            DedupeFollowUps();
        }

        private void DedupeFollowUps()
        {
            var kept = _answer.FollowUps.Where(f => !string.Equals(f.Trim(), _in.Question.Trim(), StringComparison.OrdinalIgnoreCase))
                .Distinct(StringComparer.OrdinalIgnoreCase).Take(5).ToList();
            _answer.FollowUps.Clear();
            _answer.FollowUps.AddRange(kept);
        }

        private static string MetricQuestion(MetricDefinition m, Period? period)
        {
            var name = Vocabulary.NameInSentence(m.Name);
            var when = PeriodText.IsSet(period) ? " " + ShortPhrase(period!) : string.Empty;
            return m.StatisticType switch
            {
                StatisticType.Share or StatisticType.Ratio or StatisticType.Average => $"What is the {name}{when}?",
                _ => $"How many {name} were there{when}?",
            };
        }

        private ComposedAnswer Finish(params string[] chosen)
        {
            if (_answer.Resolution is not null)
            {
                _answer.Resolution.ChosenMetricIds.AddRange(chosen.Distinct(StringComparer.Ordinal));
                if (_choiceNote is not null && _answer.Resolution.Candidates.FirstOrDefault(c => c.MetricId == _targetId) is { } picked)
                {
                    picked.Reasons.Add(_choiceNote);
                }
            }

            _read.UnionWith(chosen);
            return new ComposedAnswer(_answer, _book.Citations, [.. _read]);
        }

        // ---- wording ------------------------------------------------------------------------------------------------

        /// <summary>"ICE removals totalled 271,484 in fiscal year 2024 (October 1, 2023–September 30, 2024) [1]".</summary>
        private static string Sentence(MetricDefinition m, Figure f, IEnumerable<int> citations)
        {
            var name = Vocabulary.StripParentheticals(m.Name);
            var value = ValueText.Format(f);
            var period = PeriodText.Phrase(f.Period);
            var marker = CitationBook.Marker(citations);
            return m.StatisticType switch
            {
                StatisticType.Share or StatisticType.Ratio or StatisticType.Average =>
                    $"{(name.StartsWith("Share", StringComparison.Ordinal) ? "The " + Vocabulary.NameInSentence(name) : name)} was {value} {period}{marker}",
                StatisticType.Stock => $"{name} numbered {value} {period}{marker}",
                _ => $"{name} totalled {value} {period}{marker}",
            };
        }

        /// <summary>"435,719 convicted noncitizens on ICE's national docket as of July 21, 2024 [1]".</summary>
        private static string NounPhrase(MetricDefinition m, Figure f, IEnumerable<int> citations, bool shortPeriod = false)
        {
            var name = Vocabulary.NameInSentence(m.Name);
            var period = shortPeriod ? ShortPhrase(f.Period) : PeriodText.Phrase(f.Period);
            var marker = CitationBook.Marker(citations);
            return m.StatisticType is StatisticType.Share or StatisticType.Ratio or StatisticType.Average
                ? $"{ValueText.Format(f)} ({name}) {period}{marker}"
                : $"{ValueText.Format(f)} {name} {period}{marker}";
        }

        /// <summary>"in FY2024", "as of July 21, 2024", "in calendar 2024".</summary>
        private static string ShortPhrase(Period? p)
        {
            if (!PeriodText.IsSet(p))
            {
                return "(no period given)";
            }

            return p!.Kind switch
            {
                PeriodKind.AsOfDate or PeriodKind.DateRange => PeriodText.Phrase(p),
                _ => "in " + PeriodText.Short(p),
            };
        }

        private string AskedPeriodPhrase()
        {
            if (_q.Period is { } p)
            {
                return (_q.PeriodAmbiguous || p.Kind == PeriodKind.DateRange) && _q.PeriodText.Length > 0 ? " " + _q.PeriodText.Trim() : " " + ShortPhrase(p);
            }

            return _q.Recent ? " for recent years" : string.Empty;
        }

        private string AskedDescription()
        {
            var when = _q.Annual ? " per year" : AskedPeriodPhrase();
            if (_q.Events.Count == 0)
            {
                return "a figure that answers this question";
            }

            var who = _q.Population is { } set ? " of " + Vocabulary.Population(set) : string.Empty;
            return $"a count of {Vocabulary.ThingShort(_q.Events.First())}{who}{when}";
        }

        private string Rephrase(string words, string replacement) =>
            words.Length > 0 && _in.Question.Contains(words, StringComparison.Ordinal)
                ? _in.Question.Replace(words, replacement, StringComparison.Ordinal)
                : _in.Question;

        private static string PreviousYearWords(string periodText, int year, int previous)
        {
            var y4 = year.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (periodText.Contains(y4, StringComparison.Ordinal))
            {
                return periodText.Replace(y4, previous.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }

            var y2 = (year % 100).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
            return periodText.Replace(y2, (previous % 100).ToString("D2", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        private static string PopulationPhrase(IReadOnlySet<Criminality> set)
        {
            var c = set.Contains(Criminality.ConvictedCriminal);
            var p = set.Contains(Criminality.PendingCriminalCharges);
            return (c, p) switch
            {
                (true, false) => "criminal convictions",
                (true, true) => "criminal convictions or pending criminal charges",
                (false, true) => "pending criminal charges",
                _ => "no criminal record",
            };
        }

        private static string Differ(MetricDefinition other, MetricDefinition subject)
        {
            var parts = new List<string>();
            var thing = other.Counted?.Thing ?? string.Empty;
            if (thing != subject.Counted?.Thing)
            {
                parts.Add($"counts {Vocabulary.Thing(thing)}");
            }

            if (other.StatisticType != subject.StatisticType)
            {
                parts.Add($"is {Vocabulary.Statistic(other.StatisticType)}");
            }

            if (!Vocabulary.ScopeCriminality(other).SetEquals(Vocabulary.ScopeCriminality(subject)))
            {
                parts.Add($"covers {Vocabulary.Population(Vocabulary.ScopeCriminality(other))}");
            }

            if (other.Scope?.Agency != subject.Scope?.Agency)
            {
                parts.Add($"covers {other.Scope?.Agency}");
            }

            if (other.PeriodBasis != subject.PeriodBasis)
            {
                parts.Add($"uses a different period basis ({other.PeriodBasis.ToString().ToLowerInvariant().Replace('_', ' ')})");
            }

            return parts.Count == 0
                ? $"A different metric from {Vocabulary.NameInSentence(subject.Name)}: {FirstSentence(other.Description)}"
                : $"A different metric from {Vocabulary.NameInSentence(subject.Name)}: it {Join(parts)}.";
        }

        /// <summary>Order of caveats of equal weight: what changes the number's meaning most comes first.</summary>
        private static int Priority(Code code) => code switch
        {
            Code.StockNotFlow or Code.FlowNotStock or Code.DifferentEvent or Code.DifferentStatistic => 0,
            Code.PeriodBasis or Code.YearToDate or Code.DifferentPeriod => 1,
            Code.ScopeNarrower or Code.ScopeWider or Code.DifferentPopulation => 2,
            Code.DifferentUnit => 3,
            Code.Revised or Code.Provisional or Code.SuspectVintageSkipped or Code.DefinitionChanged => 4,
            Code.Approximate => 5,
            _ => 6,
        };

        private static string Clause(Code code, MetricDefinition m) => code switch
        {
            Code.ScopeNarrower => $"covers {m.Scope?.Agency} only",
            Code.ScopeWider => $"covers all of {m.Scope?.Agency}",
            Code.PeriodBasis => "uses a different period basis",
            Code.DifferentPopulation => $"covers {Vocabulary.Population(Vocabulary.ScopeCriminality(m))}",
            _ => "is a different metric",
        };

        private static string FirstSentence(string text)
        {
            var t = text.Trim();
            var end = t.IndexOf(". ", StringComparison.Ordinal);
            return end < 0 ? (t.EndsWith('.') ? t : t + ".") : t[..(end + 1)];
        }

        private static string Join(List<string> items) => items.Count switch
        {
            0 => string.Empty,
            1 => items[0],
            2 => $"{items[0]} and {items[1]}",
            _ => string.Join(", ", items.Take(items.Count - 1)) + ", and " + items[^1],
        };

        private static string Capitalise(string s) => Vocabulary.Capitalise(s);

        private static string Lower(string s) => s.Length > 1 && char.IsUpper(s[0]) && char.IsLower(s[1]) ? char.ToLowerInvariant(s[0]) + s[1..] : s;
    }
}
