using System.Globalization;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Ingestion.V1;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Composition;

/// <summary>
/// Computed metrics in answers. Before composing, <see cref="Prepare"/> turns what the ingestion service computed
/// (ComputeMetric) into figures of those metrics; a computed metric with no value for any year (its dataset not
/// ingested yet, or no vintage that passed validation) is shown to the composer as the gap its definition describes
/// (until_ingested), so the answer says plainly that no figure is available yet and what would settle it. While
/// composing, a computed figure gets its computation, and the answer gets the caveats only a computed value has: how it
/// was computed (table, filters, vintage), what the other vintages said, and which vintages were skipped and why.
/// </summary>
public static class ComputedMetrics
{
    /// <summary>How many other vintages a caveat lists by name before summarising the rest.</summary>
    private const int ListedVintages = 4;

    /// <summary>Figures for computed metrics, and gap views of computed metrics that have none. Pure.</summary>
    public static AnswerInputs Prepare(AnswerInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var computed = inputs.Registry.Metrics.Where(m => m.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Computed)
            .OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        if (computed.Count == 0)
        {
            return inputs;
        }

        var figures = inputs.Figures.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var pending = new List<MetricDefinition>();
        foreach (var metric in computed)
        {
            var response = inputs.Computed.GetValueOrDefault(metric.Id);
            var values = FiguresOf(response);
            if (values.Count > 0)
            {
                figures[metric.Id] = [.. inputs.FiguresOf(metric.Id), .. values];
            }
            else
            {
                pending.Add(AsGap(metric, response));
            }
        }

        return inputs with { Registry = inputs.Registry.With(pending), Figures = figures };
    }

    /// <summary>The figures of a ComputeMetric response, one per year with a value.</summary>
    public static IReadOnlyList<Figure> FiguresOf(ComputeMetricResponse? response) =>
        response is null ? [] : [.. response.Years.Where(y => y.HasValue && y.Figure is not null).Select(y => y.Figure)];

    /// <summary>The computation behind a figure the ingestion service computed; null for published figures.</summary>
    public static ComputedYear? Find(AnswerInputs inputs, Figure figure)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(figure);
        return inputs.Computed.TryGetValue(figure.MetricId, out var response)
            ? response.Years.FirstOrDefault(y => y.HasValue && y.Figure?.Id == figure.Id)
            : null;
    }

    /// <summary>
    /// A computed metric as the composer sees it while it has no value: its until_ingested gap (or a plain one), with
    /// the ingestion service's reason when the dataset is loaded but no vintage gives a value.
    /// </summary>
    private static MetricDefinition AsGap(MetricDefinition metric, ComputeMetricResponse? response)
    {
        var source = metric.Computed;
        var where = $"dataset {source.Dataset}{(source.Table.Length > 0 ? $" (table {source.Table})" : string.Empty)}";
        var gap = source.UntilIngested?.Clone() ?? new Gap
        {
            Question = $"How many {Vocabulary.NameInSentence(metric.Name)} were there?",
            WhyUnpublished = $"No source in the catalog publishes this figure, and {where}, which Tally computes it from, has not been ingested yet, so no figure is available.",
            WhatWouldSettle = $"Ingesting {where} (tally ingest dataset FILE --name {source.Dataset}); Tally then computes the metric and names the vintage it used.",
        };
        if (response is { Loaded: true })
        {
            var why = response.Years.Select(y => y.Computation?.Explanation).FirstOrDefault(e => !string.IsNullOrEmpty(e))
                      ?? $"No vintage of {where} covers any year.";
            gap.WhyUnpublished = $"No source in the catalog publishes this figure, and {where} is ingested but gives no usable value: {why}";
            gap.WhatWouldSettle = $"A vintage of {where} that covers the period and passes validation, ingested into Tally (tally ingest dataset FILE --name {source.Dataset}).";
        }
        else if (response is { Message.Length: > 0 } && source.UntilIngested is null)
        {
            gap.WhyUnpublished += $" ({response.Message})";
        }

        var view = metric.Clone();
        view.Gap = gap;
        return view;
    }

    /// <summary>The caveat a NOT_PUBLISHED answer about a computed metric leads with: no figure yet, and why.</summary>
    public static void AddPendingCaveat(Answer answer, MetricDefinition gapView, AnswerInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(gapView);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Registry.Original(gapView.Id) is not { ValueSourceCase: MetricDefinition.ValueSourceOneofCase.Computed } metric)
        {
            return;
        }

        var source = metric.Computed;
        var response = inputs.Computed.GetValueOrDefault(metric.Id);
        var text = response is { Loaded: true }
            ? $"No figure is available yet: Tally computes this metric from dataset {source.Dataset}, which is ingested, but no vintage that passed validation gives a value."
            : $"No figure is available yet: Tally computes this metric from dataset {source.Dataset}{(source.Table.Length > 0 ? $" (table {source.Table})" : string.Empty)}, " +
              "which has not been ingested. Ingesting it settles the question; see what would settle it.";
        answer.Caveats.Insert(0, new Caveat { Code = Code.ComputedNotPublished, Text = text, MetricId = metric.Id });
    }

    /// <summary>Puts the computation on an answer figure of a computed value.</summary>
    public static void Describe(AnswerFigure item, Figure figure, AnswerInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (Find(inputs, figure) is { Computation: { } computation })
        {
            item.Computation = computation.Clone();
        }
    }

    /// <summary>
    /// For an answer whose main figure was computed: the headline says so, and the caveats say how it was computed,
    /// what the other vintages said and which were skipped as suspect, and why.
    /// </summary>
    public static void AddCaveats(Answer answer, Figure main, MetricDefinition metric, AnswerInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(metric);
        if (Find(inputs, main) is not { Computation: { } c })
        {
            return;
        }

        var used = c.Used;
        var label = PeriodText.Short(main.Period);
        answer.Headline = answer.Headline.Replace("closest published figure", "closest figure", StringComparison.Ordinal);
        if (answer.Headline.EndsWith('.'))
        {
            answer.Headline = answer.Headline[..^1] + $", computed by Tally from {Vintage(used)} of dataset {c.Dataset}.";
        }

        answer.Caveats.Add(new Caveat
        {
            Code = Code.ComputedNotPublished,
            MetricId = metric.Id,
            Text = $"No source publishes this number as such: Tally computed it from table {c.Table} of dataset {c.Dataset}, {Vintage(used)}, " +
                   $"as {Measure(c.Measure)} over {Filters(c)}, for {label}" +
                   (used is null ? "." : $" ({used.RowCount.ToString("N0", CultureInfo.InvariantCulture)} rows).") +
                   (c.UsedSuspectVintage ? " The definition pins this vintage although it failed validation." : string.Empty),
        });

        var others = c.OtherVintages.Where(v => !v.Suspect).ToList();
        if (others.Count > 0)
        {
            var listed = others.Take(ListedVintages).Select(v => $"{Value(v, main.Unit)} ({Vintage(v)}{(v.YearToDate ? ", year to date" : string.Empty)})").ToList();
            var rest = others.Skip(ListedVintages).ToList();
            var more = rest.Count == 0 ? string.Empty
                : $"; {rest.Count} earlier pull{(rest.Count == 1 ? string.Empty : "s")} ({rest[^1].Vintage} to {rest[0].Vintage}) said " +
                  $"{Number(rest.Min(v => v.HasValue ? v.Value : 0), main.Unit)} to {Number(rest.Max(v => v.HasValue ? v.Value : 0), main.Unit)}";
            answer.Caveats.Add(new Caveat
            {
                Code = Code.Revised,
                MetricId = metric.Id,
                Text = $"This uses {Vintage(used)}, the latest that passed validation and covers {label}. Other vintages covering {label} said: " +
                       string.Join("; ", listed) + more + ".",
            });
        }

        var skipped = c.SkippedVintages.ToList();
        if (skipped.Count > 0)
        {
            var reasons = skipped.SelectMany(v => v.SuspectReasons).Distinct(StringComparer.Ordinal).ToList();
            var codes = reasons.Select(r => r.Split(':')[0]).Distinct(StringComparer.Ordinal).ToList();
            answer.Caveats.Add(new Caveat
            {
                Code = Code.SuspectVintageSkipped,
                MetricId = metric.Id,
                Text = $"Skipped as suspect: {Join(skipped.Select(v => $"{Vintage(v)}{(v.HasValue ? $" (it says {Value(v, main.Unit)})" : string.Empty)}").ToList())}, " +
                       $"which failed validation ({string.Join(", ", codes)}). {(reasons.Count > 0 ? FirstSentence(reasons[0]) : string.Empty)}".TrimEnd(),
            });
        }
    }

    private static string Vintage(VintageValue? v) => v is null ? "no vintage" : v.VintageDate.Length > 0 ? $"the data pull of {v.Vintage}" : $"vintage {v.Vintage}";

    private static string Value(VintageValue v, string unit) => v.HasValue ? Number(v.Value, unit) : "no value";

    private static string Number(double value, string unit) => ValueText.Number(value, string.IsNullOrEmpty(unit) ? "count" : unit);

    private static string Measure(string measure) => measure switch
    {
        "count" => "a count of rows",
        _ when measure.StartsWith("sum(", StringComparison.Ordinal) => $"the sum of {measure[4..^1]}",
        _ when measure.StartsWith("count_distinct(", StringComparison.Ordinal) => $"the number of distinct {measure[15..^1]} values",
        _ when measure.StartsWith("mean(", StringComparison.Ordinal) => $"the mean of {measure[5..^1]}",
        _ => measure,
    };

    /// <summary>"release reason Bonded Out, Paroled or Court Ordered and criminality Convicted Criminal".</summary>
    private static string Filters(Computation c)
    {
        if (c.Filters.Count == 0)
        {
            return "every row";
        }

        var parts = c.Filters.Select(f =>
        {
            var column = f.Column.Replace('_', ' ');
            var values = f.Values.ToList();
            return f.Operator switch
            {
                DatasetFilter.Types.Operator.Equals or DatasetFilter.Types.Operator.In => $"{column} {Or(values)}",
                DatasetFilter.Types.Operator.NotEquals or DatasetFilter.Types.Operator.NotIn => $"{column} other than {Or(values)}",
                DatasetFilter.Types.Operator.IsEmpty => $"{column} empty",
                _ => $"{column} not empty",
            };
        }).ToList();
        return "rows with " + string.Join(" and ", parts);
    }

    private static string Or(List<string> values) => values.Count switch
    {
        0 => "(none)",
        1 => values[0],
        _ => string.Join(", ", values.Take(values.Count - 1)) + " or " + values[^1],
    };

    private static string Join(List<string> items) => items.Count switch
    {
        0 => string.Empty,
        1 => items[0],
        2 => $"{items[0]} and {items[1]}",
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };

    private static string FirstSentence(string text)
    {
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        var body = colon < 0 ? text : text[(colon + 2)..];
        var end = body.IndexOf(". ", StringComparison.Ordinal);
        var sentence = end < 0 ? body : body[..(end + 1)];
        return sentence.EndsWith('.') ? sentence : sentence + ".";
    }
}
