using Tally.Common.V1;
using Tally.Definitions.Model;
using Tally.Definitions.V1;

namespace Tally.Definitions.Explanation;

/// <summary>
/// Compares two definitions property by property. Read the codes as "B offered in place of A": SCOPE_WIDER means
/// B covers more than A, STOCK_NOT_FLOW means A is a flow and B a stock.
/// </summary>
public static class DifferenceExplainer
{
    public static IReadOnlyList<PropertyDifference> Compare(MetricDefinition a, MetricDefinition b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var list = new List<PropertyDifference>();
        void Add(string property, string av, string bv, Caveat.Types.Code code, string explanation)
        {
            if (!string.Equals(av, bv, StringComparison.Ordinal))
            {
                list.Add(new PropertyDifference { Property = property, AValue = av, BValue = bv, Code = code, Explanation = explanation });
            }
        }

        Add("name", a.Name, b.Name, Caveat.Types.Code.Unspecified, "The display names differ.");
        var ac = a.Counted ?? new Counted();
        var bc = b.Counted ?? new Counted();
        Add("counted.kind", Snake(ac.Kind), Snake(bc.Kind), Caveat.Types.Code.DifferentEvent,
            $"A counts {(ac.Kind == CountedKind.Entity ? "things existing over time" : "events")}, B counts {(bc.Kind == CountedKind.Entity ? "things existing over time" : "events")}.");
        Add("counted.thing", ac.Thing, bc.Thing, Caveat.Types.Code.DifferentEvent,
            $"A counts {ac.Thing}, B counts {bc.Thing}: different events or entities.");
        Add("counted.unit", Snake(ac.Unit), Snake(bc.Unit), Caveat.Types.Code.DifferentUnit,
            $"A counts {Snake(ac.Unit)}, B counts {Snake(bc.Unit)}: one does not convert into the other.");

        var asc = a.Scope ?? new Scope();
        var bsc = b.Scope ?? new Scope();
        if (asc.Agency != bsc.Agency)
        {
            var (code, text) = Vocabulary.AgencyWithin(asc.Agency, bsc.Agency)
                ? (Caveat.Types.Code.ScopeWider, $"B covers all of {bsc.Agency}; A covers {asc.Agency} only.")
                : Vocabulary.AgencyWithin(bsc.Agency, asc.Agency)
                    ? (Caveat.Types.Code.ScopeNarrower, $"B covers {bsc.Agency} only; A covers all of {asc.Agency}.")
                    : (Caveat.Types.Code.DifferentPopulation, $"A counts what {asc.Agency} does, B what {bsc.Agency} does.");
            Add("scope.agency", asc.Agency, bsc.Agency, code, text);
        }

        if (asc.Program != bsc.Program)
        {
            var (code, text) = (asc.Program.Length, bsc.Program.Length) switch
            {
                (0, _) => (Caveat.Types.Code.ScopeNarrower, $"B is limited to {bsc.Program}; A is not limited to a program."),
                (_, 0) => (Caveat.Types.Code.ScopeWider, $"B is not limited to a program; A covers {asc.Program} only."),
                _ => (Caveat.Types.Code.DifferentPopulation, $"A covers {asc.Program}, B covers {bsc.Program}."),
            };
            Add("scope.program", asc.Program, bsc.Program, code, text);
        }

        var aClass = Vocabulary.CriminalityClass(asc);
        var bClass = Vocabulary.CriminalityClass(bsc);
        Add("scope.criminality", aClass, bClass, Caveat.Types.Code.DifferentPopulation,
            $"A counts {Vocabulary.Describe(aClass)}; B counts {Vocabulary.Describe(bClass)}.");
        Add("scope.citizenship", Join(asc.Citizenship), Join(bsc.Citizenship), Caveat.Types.Code.DifferentPopulation,
            $"Citizenship differs: A {Or(Join(asc.Citizenship))}, B {Or(Join(bsc.Citizenship))}.");
        Add("scope.constraints", Join(asc.Constraints.Select(c => $"{c.Key}={c.Value}")), Join(bsc.Constraints.Select(c => $"{c.Key}={c.Value}")),
            Caveat.Types.Code.DifferentPopulation, "The further restrictions on who is counted differ.");
        if (asc.Note != bsc.Note)
        {
            var code = asc.Note.Length == 0 ? Caveat.Types.Code.ScopeNarrower
                : bsc.Note.Length == 0 ? Caveat.Types.Code.ScopeWider : Caveat.Types.Code.DifferentPopulation;
            Add("scope.note", asc.Note, bsc.Note, code,
                $"Who is counted is restricted differently: A {Or(asc.Note)}; B {Or(bsc.Note)}.");
        }

        var statisticCode = (a.StatisticType, b.StatisticType) switch
        {
            (StatisticType.Flow, StatisticType.Stock or StatisticType.Cumulative) => Caveat.Types.Code.StockNotFlow,
            (StatisticType.Stock, StatisticType.Flow) => Caveat.Types.Code.FlowNotStock,
            _ => Caveat.Types.Code.DifferentStatistic,
        };
        Add("statistic_type", Snake(a.StatisticType), Snake(b.StatisticType), statisticCode,
            $"A is {Vocabulary.Describe(a.StatisticType)}; B is {Vocabulary.Describe(b.StatisticType)}.");
        Add("additivity", Snake(a.Additivity), Snake(b.Additivity), Caveat.Types.Code.Unspecified,
            "The values add up differently across periods.");
        Add("period_basis", Snake(a.PeriodBasis), Snake(b.PeriodBasis), Caveat.Types.Code.PeriodBasis,
            $"A is counted over {Vocabulary.Describe(a.PeriodBasis)}, B over {Vocabulary.Describe(b.PeriodBasis)}: the same year label covers different days.");
        Add("year_to_date", Bool(a.YearToDate), Bool(b.YearToDate), Caveat.Types.Code.YearToDate,
            "One metric is by definition a partial-period count.");
        Add("unit", a.Unit, b.Unit, Caveat.Types.Code.DifferentUnit, $"A is in {a.Unit}, B in {b.Unit}.");
        Add("scale_exponent", a.ScaleExponent.Invariant(), b.ScaleExponent.Invariant(), Caveat.Types.Code.Unspecified,
            "Sources print the values at different scales; stored values are unscaled.");
        var bSource = Snake(b.ValueSourceCase);
        Add("value_source", Snake(a.ValueSourceCase), bSource,
            b.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Computed ? Caveat.Types.Code.ComputedNotPublished : Caveat.Types.Code.Unspecified,
            $"A's values are {Snake(a.ValueSourceCase)}, B's are {bSource}{(b.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Gap ? " (no source publishes B)" : a.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Gap ? " (no source publishes A)" : string.Empty)}.");
        Add("has_year_to_date_values", Bool(a.HasYearToDateValues), Bool(b.HasYearToDateValues), Caveat.Types.Code.Unspecified,
            "Only one of them has year-to-date values next to complete ones; check each value's status.");
        return list;
    }

    /// <summary>The caveats a reader must see when B is offered for A: one per code, then the relations' own.</summary>
    public static IReadOnlyList<Caveat> Caveats(MetricDefinition b, IReadOnlyList<PropertyDifference> differences, IReadOnlyList<Relation> relations)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(differences);
        ArgumentNullException.ThrowIfNull(relations);
        var caveats = new List<Caveat>();
        foreach (var difference in differences.Where(d => d.Code != Caveat.Types.Code.Unspecified))
        {
            if (caveats.All(c => c.Code != difference.Code))
            {
                caveats.Add(new Caveat { Code = difference.Code, Text = difference.Explanation, MetricId = b.Id });
            }
        }

        foreach (var relation in relations)
        {
            foreach (var code in relation.Differences.Where(code => caveats.All(c => c.Code != code)))
            {
                caveats.Add(new Caveat { Code = code, Text = relation.Reason, MetricId = b.Id });
            }
        }

        return caveats;
    }

    public static string Summary(MetricDefinition a, MetricDefinition b, IReadOnlyList<PropertyDifference> differences,
        IReadOnlyList<Relation> relations, bool interchangeable)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(differences);
        ArgumentNullException.ThrowIfNull(relations);
        if (interchangeable)
        {
            return differences.Count == 0
                ? $"'{a.Name}' and '{b.Name}' are the same definition."
                : $"'{b.Name}' counts the same thing as '{a.Name}' (same event, scope, statistic and period basis); either may be used.";
        }

        var material = differences.Where(d => d.Code != Caveat.Types.Code.Unspecified).Select(d => d.Explanation).ToList();
        var text = $"'{b.Name}' (B) is not interchangeable with '{a.Name}' (A).";
        if (material.Count > 0)
        {
            text += " " + string.Join(" ", material);
        }

        foreach (var relation in relations)
        {
            text += $" The catalog records {relation.FromMetricId} {Vocabulary.Snake(relation.Type)} {relation.ToMetricId}: {relation.Reason}";
        }

        return text;
    }

    /// <summary>True when B may stand in for A: no material difference and no relation saying otherwise.</summary>
    public static bool Interchangeable(IReadOnlyList<PropertyDifference> differences, IReadOnlyList<Relation> relations)
    {
        ArgumentNullException.ThrowIfNull(differences);
        ArgumentNullException.ThrowIfNull(relations);
        return differences.All(d => d.Code == Caveat.Types.Code.Unspecified) &&
               relations.All(r => r.Type is not (RelationType.NotInterchangeableWith or RelationType.SubsetOf or RelationType.ComponentOf));
    }

    private static string Snake<T>(T value) where T : struct, Enum => Vocabulary.Snake(value);

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Join(IEnumerable<string> values) => string.Join(", ", values);

    private static string Or(string value) => value.Length == 0 ? "has no such restriction" : value;
}
