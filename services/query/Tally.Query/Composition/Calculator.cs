using System.Globalization;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.V1;

namespace Tally.Query.Composition;

/// <summary>A figure that takes part in arithmetic, with its metric.</summary>
public sealed record FigureOf(MetricDefinition Metric, Figure Figure);

/// <summary>
/// Arithmetic the figures support, recomputed from the figures themselves (never copied): a part's share of its
/// whole, components adding up to a total, the change from the previous year. Each result is compared with the
/// published value of the same quantity when the catalog holds one.
/// </summary>
public sealed class Calculator(AnswerInputs inputs)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The reviewed figure of a metric for exactly this period (total, not a breakdown), or null.</summary>
    public FigureOf? FigureFor(string metricId, Period period)
    {
        var metric = inputs.Registry.Find(metricId);
        if (metric is null || metric.Gap is not null)
        {
            return null;
        }

        var reading = new QuestionReading { Text = string.Empty, Period = period };
        var picked = FigurePicker.Pick(reading, metric, inputs.FiguresOf(metricId).Where(f => f.Dimensions.Count == 0));
        return picked is { Match: PeriodMatch.Exact } ? new FigureOf(metric, picked.Figure) : null;
    }

    /// <summary>Parts of a metric (component_of, subset_of, derived-sum operands) with figures for the same period.</summary>
    public IReadOnlyList<FigureOf> PartsOf(string metricId, Period period)
    {
        var ids = inputs.Registry.RelationsOf(metricId)
            .Where(r => r.ToMetricId == metricId && r.Type is RelationType.ComponentOf or RelationType.SubsetOf)
            .Select(r => r.FromMetricId);
        if (inputs.Registry.Find(metricId)?.Derived is { Operation: DerivedSource.Types.Operation.Sum } sum)
        {
            ids = sum.Operands.Select(o => o.MetricId).Concat(ids);
        }

        return ids.Distinct(StringComparer.Ordinal).Select(id => FigureFor(id, period)).OfType<FigureOf>().ToList();
    }

    /// <summary>The whole a metric is part of (subset_of / component_of / derived-sum operand), with its figure for the period.</summary>
    public FigureOf? WholeOf(string metricId, Period period)
    {
        var ids = inputs.Registry.RelationsOf(metricId)
            .Where(r => r.FromMetricId == metricId && r.Type is RelationType.ComponentOf or RelationType.SubsetOf)
            .Select(r => r.ToMetricId)
            .Concat(inputs.Registry.Metrics.Where(m => m.Derived is { Operation: DerivedSource.Types.Operation.Sum } d && d.Operands.Any(o => o.MetricId == metricId))
                .Select(m => m.Id));
        return ids.Distinct(StringComparer.Ordinal).Select(id => FigureFor(id, period)).OfType<FigureOf>().FirstOrDefault();
    }

    /// <summary>The published ratio metric over (part, whole), if any, with its figure for the period.</summary>
    public FigureOf? PublishedShare(string partId, string wholeId, Period period) =>
        inputs.Registry.DerivedUsing(partId)
            .Where(m => m.Derived is { Operation: DerivedSource.Types.Operation.Ratio } d && d.Operands.Count == 2
                        && d.Operands[0].MetricId == partId && d.Operands[1].MetricId == wholeId)
            .Select(m => FigureFor(m.Id, period))
            .OfType<FigureOf>()
            .FirstOrDefault();

    /// <summary>part / whole, compared with a published share when there is one.</summary>
    public static Calculation Share(FigureOf part, FigureOf whole, FigureOf? published, Func<Figure, int> cite)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(whole);
        ArgumentNullException.ThrowIfNull(cite);
        var p = ValueText.BaseValue(part.Figure);
        var w = ValueText.BaseValue(whole.Figure);
        var result = w == 0 ? 0 : p / w;
        var decimals = Math.Max(1, published is null ? 1 : ValueText.Decimals(published.Figure.ValueText) ?? 1);
        var calc = new Calculation
        {
            Description = $"{Vocabulary.StripParentheticals(part.Metric.Name)} as a share of {Vocabulary.NameInSentence(whole.Metric.Name)}, {PeriodText.Short(part.Figure.Period)}",
            Expression = $"{Plain(p)} / {Plain(w)}",
            Result = result,
            ResultText = (result * 100).ToString("F" + decimals, Inv) + "%",
        };
        if (published is not null)
        {
            var pv = ValueText.BaseValue(published.Figure);
            calc.PublishedValue = pv;
            calc.MatchesPublished = Math.Round(result * 100, decimals, MidpointRounding.AwayFromZero) == Math.Round(pv * 100, decimals, MidpointRounding.AwayFromZero);
            calc.PublishedCitation = cite(published.Figure);
        }

        return calc;
    }

    /// <summary>Sum of parts compared with the published total.</summary>
    public static Calculation Sum(FigureOf whole, IReadOnlyList<FigureOf> parts, Func<Figure, int> cite)
    {
        ArgumentNullException.ThrowIfNull(whole);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(cite);
        var values = parts.Select(x => ValueText.BaseValue(x.Figure)).ToList();
        var sum = values.Sum();
        var total = ValueText.BaseValue(whole.Figure);
        var tolerance = whole.Figure.Qualifier is Qualifier.Exact or Qualifier.Unspecified ? 0.5 : Math.Abs(total) * 0.01;
        return new Calculation
        {
            Description = $"{Vocabulary.StripParentheticals(whole.Metric.Name)} recomputed from its parts ({string.Join(" + ", parts.Select(x => Vocabulary.NameInSentence(x.Metric.Name)))}), {PeriodText.Short(whole.Figure.Period)}",
            Expression = string.Join(" + ", values.Select(Plain)),
            Result = sum,
            ResultText = ValueText.Number(sum, whole.Figure.Unit),
            PublishedValue = total,
            MatchesPublished = Math.Abs(sum - total) <= tolerance,
            PublishedCitation = cite(whole.Figure),
        };
    }

    /// <summary>Change from a previous period to the current one (difference and percentage).</summary>
    public static Calculation Change(FigureOf previous, FigureOf current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var a = ValueText.BaseValue(previous.Figure);
        var b = ValueText.BaseValue(current.Figure);
        var diff = b - a;
        var pct = a == 0 ? (double?)null : diff / a;
        var sign = diff >= 0 ? "+" : "−";
        return new Calculation
        {
            Description = $"Change in {Vocabulary.NameInSentence(current.Metric.Name)} from {PeriodText.Short(previous.Figure.Period)} to {PeriodText.Short(current.Figure.Period)}",
            Expression = $"{Plain(b)} - {Plain(a)}",
            Result = diff,
            ResultText = $"{sign}{ValueText.Number(Math.Abs(diff), current.Figure.Unit)}" +
                         (pct is { } p ? $" ({(p >= 0 ? "+" : "−")}{Math.Abs(p * 100).ToString("F1", Inv)}%)" : string.Empty),
        };
    }

    private static string Plain(double v) => Math.Abs(v - Math.Round(v)) < 1e-9 ? ((long)Math.Round(v)).ToString(Inv) : v.ToString("G6", Inv);
}
