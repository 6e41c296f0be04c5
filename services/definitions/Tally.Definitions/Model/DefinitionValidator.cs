using System.Text.RegularExpressions;
using Tally.Common.V1;
using Tally.Definitions.V1;

namespace Tally.Definitions.Model;

/// <summary>One problem with a submitted definition: the field (proto path, e.g. "metric.counted.thing") and what to do.</summary>
public sealed record DefinitionError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>
/// Checks a definition against the catalog's rules (docs/catalog-format.md): known vocabulary and enum values,
/// the consistency of statistic, period and unit, references to existing metrics, and no cycle through
/// derived formulas. Pure: the registry's current definitions are passed in.
/// </summary>
public static partial class DefinitionValidator
{
    public const int MaxIdLength = 100;
    public const int MaxAliasLength = 200;

    public static IReadOnlyList<DefinitionError> Validate(MetricDefinition? metric, Func<string, MetricDefinition?> existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        var errors = new List<DefinitionError>();
        void Fail(string field, string message) => errors.Add(new DefinitionError("metric." + field, message));

        if (metric is null)
        {
            errors.Add(new DefinitionError("metric", "is required: send the full definition."));
            return errors;
        }

        if (string.IsNullOrWhiteSpace(metric.Id))
        {
            Fail("id", "is required, e.g. \"ice-removals\".");
        }
        else if (metric.Id.Length > MaxIdLength || !IdPattern().IsMatch(metric.Id))
        {
            Fail("id", $"'{metric.Id}' is not a valid id: use lowercase letters and digits joined by '-' or '.', at most {MaxIdLength} characters (e.g. \"ice-removals\").");
        }

        Required(metric.Name, "name", "a short display name");
        Required(metric.Description, "description", "a plain-language account of what is counted and what is not");

        if (metric.Counted is not { } counted)
        {
            Fail("counted", "is required: say what is counted (kind, thing, unit).");
        }
        else
        {
            CheckEnum(counted.Kind, "counted.kind");
            if (!Vocabulary.CountedThings.Contains(counted.Thing))
            {
                Fail("counted.thing", $"'{counted.Thing}' is not a known counted event or entity; use one of {string.Join(", ", Vocabulary.CountedThings.Order(StringComparer.Ordinal))}.");
            }

            CheckEnum(counted.Unit, "counted.unit");
        }

        if (metric.Scope is not { } scope)
        {
            Fail("scope", "is required: say whose actions are counted (agency) and for whom.");
        }
        else
        {
            if (!Vocabulary.Agencies.Contains(scope.Agency))
            {
                Fail("scope.agency", $"'{scope.Agency}' is not a known agency; use one of {string.Join(", ", Vocabulary.Agencies.Order(StringComparer.Ordinal))}.");
            }

            for (var i = 0; i < scope.Criminality.Count; i++)
            {
                CheckEnum(scope.Criminality[i], $"scope.criminality[{i}]");
            }

            if (scope.Criminality.Distinct().Count() != scope.Criminality.Count)
            {
                Fail("scope.criminality", "lists a class twice; list each class once.");
            }

            for (var i = 0; i < scope.Constraints.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(scope.Constraints[i].Key) || string.IsNullOrWhiteSpace(scope.Constraints[i].Value))
                {
                    Fail($"scope.constraints[{i}]", "needs both a key and a value.");
                }
            }
        }

        var statisticOk = CheckEnum(metric.StatisticType, "statistic_type");
        var basisOk = CheckEnum(metric.PeriodBasis, "period_basis");
        if (!Enum.IsDefined(metric.Additivity))
        {
            Fail("additivity", $"{(int)metric.Additivity} is not a known value; use one of {Known<Additivity>()}.");
        }
        else if (metric.Additivity == Additivity.Additive && metric.StatisticType != StatisticType.Flow)
        {
            Fail("additivity", "ADDITIVE is only possible for FLOW metrics; stocks are SEMI_ADDITIVE, shares, averages and running totals NON_ADDITIVE.");
        }

        if (statisticOk && basisOk)
        {
            CheckStatisticAndPeriod(metric, Fail);
        }

        if (!Vocabulary.Units.Contains(metric.Unit))
        {
            Fail("unit", $"'{metric.Unit}' is not a known unit; use one of {string.Join(", ", Vocabulary.Units.Order(StringComparer.Ordinal))}.");
        }
        else
        {
            if ((metric.Unit == "percent") != (metric.StatisticType == StatisticType.Share))
            {
                Fail("unit", "must be \"percent\" exactly when statistic_type is SHARE.");
            }

            if (metric.Unit is "pounds" or "us_dollars" && metric.Counted is { Unit: not CountingUnit.Quantity })
            {
                Fail("counted.unit", $"must be QUANTITY when unit is \"{metric.Unit}\".");
            }
        }

        if (metric.StatisticType == StatisticType.Share && string.IsNullOrWhiteSpace(metric.ShareOf))
        {
            Fail("share_of", "is required for a SHARE: say what the percentage is a share of.");
        }

        if (metric.ScaleExponent is < 0 or > 12)
        {
            Fail("scale_exponent", $"{metric.ScaleExponent} is out of range; use 0 to 12 (6 for millions).");
        }

        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < metric.Aliases.Count; i++)
        {
            var alias = metric.Aliases[i];
            if (string.IsNullOrWhiteSpace(alias) || alias.Length > MaxAliasLength)
            {
                Fail($"aliases[{i}]", $"must be a phrase of 1 to {MaxAliasLength} characters.");
            }
            else if (!aliases.Add(alias.Trim()))
            {
                Fail($"aliases[{i}]", $"'{alias}' is listed twice.");
            }
        }

        for (var i = 0; i < metric.Caveats.Count; i++)
        {
            if (!CaveatCodePattern().IsMatch(metric.Caveats[i].Code) || string.IsNullOrWhiteSpace(metric.Caveats[i].Text))
            {
                Fail($"caveats[{i}]", "needs an UPPER_SNAKE code and a text.");
            }
        }

        CheckValueSource(metric, existing, Fail);
        return errors;

        void Required(string value, string field, string what)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Fail(field, $"is required: {what}.");
            }
        }

        bool CheckEnum<T>(T value, string field) where T : struct, Enum
        {
            if (!Enum.IsDefined(value))
            {
                Fail(field, $"{Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)} is not a known value; use one of {Known<T>()}.");
                return false;
            }

            if (Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                Fail(field, $"is required; use one of {Known<T>()}.");
                return false;
            }

            return true;
        }
    }

    private static void CheckStatisticAndPeriod(MetricDefinition metric, Action<string, string> fail)
    {
        var basis = metric.PeriodBasis;
        switch (metric.StatisticType)
        {
            case StatisticType.Stock when basis != PeriodBasis.AsOfDate:
                fail("period_basis", "a STOCK is counted on a date: use AS_OF_DATE.");
                break;
            case StatisticType.Cumulative when basis is not (PeriodBasis.AsOfDate or PeriodBasis.DateRange or PeriodBasis.MultiYear):
                fail("period_basis", "a CUMULATIVE total is reported on a date or over a window: use AS_OF_DATE, DATE_RANGE or MULTI_YEAR.");
                break;
            case StatisticType.Flow or StatisticType.Average when basis == PeriodBasis.AsOfDate:
                fail("period_basis", $"a {metric.StatisticType.ToString().ToUpperInvariant()} covers a period, never a single date: use a year, quarter, month or range basis.");
                break;
        }

        if ((metric.YearToDate || metric.HasYearToDateValues) && basis is not (PeriodBasis.FiscalYearUsFederal or PeriodBasis.CalendarYear))
        {
            fail(metric.YearToDate ? "year_to_date" : "has_year_to_date_values", "year-to-date values exist only for fiscal- or calendar-year bases.");
        }
    }

    private static void CheckValueSource(MetricDefinition metric, Func<string, MetricDefinition?> existing, Action<string, string> fail)
    {
        switch (metric.ValueSourceCase)
        {
            case MetricDefinition.ValueSourceOneofCase.None:
                fail("value_source", "is required: set exactly one of published, computed, derived or gap.");
                break;
            case MetricDefinition.ValueSourceOneofCase.Derived:
                CheckDerived(metric, existing, fail);
                break;
            case MetricDefinition.ValueSourceOneofCase.Gap:
                var gap = metric.Gap;
                if (string.IsNullOrWhiteSpace(gap.Question)) fail("gap.question", "is required: the question as people ask it.");
                if (string.IsNullOrWhiteSpace(gap.WhyUnpublished)) fail("gap.why_unpublished", "is required: why no public source answers it.");
                if (string.IsNullOrWhiteSpace(gap.WhatWouldSettle)) fail("gap.what_would_settle", "is required: what data would settle it.");
                for (var i = 0; i < gap.NearestMetricIds.Count; i++)
                {
                    var id = gap.NearestMetricIds[i];
                    if (id == metric.Id || existing(id) is null)
                    {
                        fail($"gap.nearest_metric_ids[{i}]", id == metric.Id ? "a gap cannot be its own nearest metric." : $"'{id}' is not a metric in the registry.");
                    }
                }

                break;
            case MetricDefinition.ValueSourceOneofCase.Computed:
                var computed = metric.Computed;
                if (string.IsNullOrWhiteSpace(computed.Dataset)) fail("computed.dataset", "is required: the dataset name as registered at ingestion.");
                if (computed.Measure is null || computed.Measure.Aggregation == DatasetMeasure.Types.Aggregation.Unspecified || !Enum.IsDefined(computed.Measure.Aggregation))
                {
                    fail("computed.measure.aggregation", $"is required; use one of {Known<DatasetMeasure.Types.Aggregation>()}.");
                }
                else if (computed.Measure.Aggregation != DatasetMeasure.Types.Aggregation.CountRows && string.IsNullOrWhiteSpace(computed.Measure.Column))
                {
                    fail("computed.measure.column", $"is required for {computed.Measure.Aggregation}.");
                }

                if (computed.Calendar != metric.PeriodBasis)
                {
                    fail("computed.calendar", $"must equal period_basis ({metric.PeriodBasis}), not {computed.Calendar}.");
                }

                for (var i = 0; i < computed.Filters.Count; i++)
                {
                    var filter = computed.Filters[i];
                    if (string.IsNullOrWhiteSpace(filter.Column)) fail($"computed.filters[{i}].column", "is required.");
                    if (filter.Operator == DatasetFilter.Types.Operator.Unspecified || !Enum.IsDefined(filter.Operator))
                    {
                        fail($"computed.filters[{i}].operator", $"is required; use one of {Known<DatasetFilter.Types.Operator>()}.");
                    }
                    else if (filter.Operator is not (DatasetFilter.Types.Operator.IsEmpty or DatasetFilter.Types.Operator.NotEmpty) && filter.Values.Count == 0)
                    {
                        fail($"computed.filters[{i}].values", $"needs at least one value for {filter.Operator}.");
                    }
                }

                if (computed.VintageRule == ComputedSource.Types.VintageRule.Pinned && string.IsNullOrWhiteSpace(computed.PinnedVintage))
                {
                    fail("computed.pinned_vintage", "is required when vintage_rule is PINNED.");
                }

                break;
        }
    }

    private static void CheckDerived(MetricDefinition metric, Func<string, MetricDefinition?> existing, Action<string, string> fail)
    {
        var derived = metric.Derived;
        var op = derived.Operation;
        if (op == DerivedSource.Types.Operation.Unspecified || !Enum.IsDefined(op))
        {
            fail("derived.operation", $"is required; use one of {Known<DerivedSource.Types.Operation>()}.");
            return;
        }

        var count = derived.Operands.Count;
        if (op == DerivedSource.Types.Operation.Sum ? count < 2 : count != 2)
        {
            fail("derived.operands", op == DerivedSource.Types.Operation.Sum ? "a SUM needs at least two operands." : $"a {op.ToString().ToUpperInvariant()} needs exactly two operands.");
        }

        for (var i = 0; i < count; i++)
        {
            var id = derived.Operands[i].MetricId;
            var field = $"derived.operands[{i}].metric_id";
            if (id == metric.Id)
            {
                fail(field, "a metric cannot be derived from itself.");
                continue;
            }

            if (existing(id) is not { } operand)
            {
                fail(field, $"'{id}' is not a metric in the registry.");
                continue;
            }

            if (operand.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Gap)
            {
                fail(field, $"'{id}' is a gap (no source publishes it); a formula cannot use it.");
            }

            if (op != DerivedSource.Types.Operation.Ratio && (operand.Unit != metric.Unit || operand.PeriodBasis != metric.PeriodBasis))
            {
                fail(field, $"'{id}' is in {operand.Unit} per {operand.PeriodBasis}; sum and difference operands must share the metric's unit ({metric.Unit}) and period basis ({metric.PeriodBasis}).");
            }
        }

        if (FindCycle(metric, existing) is { } cycle)
        {
            fail("derived.operands", $"the formula forms a cycle: {string.Join(" → ", cycle)}; a metric cannot depend on itself through other formulas.");
        }
    }

    /// <summary>A path metric → … → metric through derived operands when the new definition closes one; null otherwise.</summary>
    private static List<string>? FindCycle(MetricDefinition metric, Func<string, MetricDefinition?> existing)
    {
        IEnumerable<string> OperandsOf(string id) =>
            (id == metric.Id ? metric : existing(id)) is { ValueSourceCase: MetricDefinition.ValueSourceOneofCase.Derived } d
                ? d.Derived.Operands.Select(o => o.MetricId)
                : [];

        var path = new List<string> { metric.Id };
        var visited = new HashSet<string>(StringComparer.Ordinal);
        return Visit(metric.Id) ? path : null;

        bool Visit(string id)
        {
            foreach (var next in OperandsOf(id))
            {
                if (next == metric.Id)
                {
                    path.Add(next);
                    return true;
                }

                if (!visited.Add(next))
                {
                    continue;
                }

                path.Add(next);
                if (Visit(next))
                {
                    return true;
                }

                path.RemoveAt(path.Count - 1);
            }

            return false;
        }
    }

    private static string Known<T>() where T : struct, Enum =>
        string.Join(", ", Enum.GetValues<T>().Where(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) != 0)
            .Select(v => Vocabulary.Snake(v).ToUpperInvariant()));

    [GeneratedRegex("^[a-z0-9]+(?:[-.][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex CaveatCodePattern();
}
