using Tally.Definitions.Model;
using Tally.Definitions.V1;

namespace Tally.Definitions.Tests;

public sealed class DefinitionValidatorTests
{
    private static MetricDefinition? Existing(string id) => TestRegistry.Snapshot.Find(id);

    private static MetricDefinition Valid() => TestRegistry.Snapshot.ById["ice-removals"].Clone();

    private static IReadOnlyList<DefinitionError> Validate(MetricDefinition metric) => DefinitionValidator.Validate(metric, Existing);

    [Fact]
    public void EveryBundledCatalogMetric_IsAValidDefinition()
    {
        var failures = TestRegistry.Snapshot.Metrics.SelectMany(m => Validate(m).Select(e => $"{m.Id}: {e}")).ToList();

        Assert.Empty(failures);
        Assert.Equal(TestRegistry.Catalog.Metrics.Length, TestRegistry.Snapshot.Metrics.Count);
    }

    [Fact]
    public void UnknownCountedThing_NamesTheFieldAndTheAllowedValues()
    {
        var metric = Valid();
        metric.Counted.Thing = "deportation";

        var error = Assert.Single(Validate(metric));
        Assert.Equal("metric.counted.thing", error.Field);
        Assert.Contains("'deportation'", error.Message, StringComparison.Ordinal);
        Assert.Contains("removal", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownEnumNumber_IsRejectedWithTheKnownValues()
    {
        var metric = Valid();
        metric.StatisticType = (StatisticType)99;

        var error = Assert.Single(Validate(metric), e => e.Field == "metric.statistic_type");
        Assert.Contains("FLOW", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StockOnAFiscalYear_IsInconsistent()
    {
        var metric = Valid();
        metric.StatisticType = StatisticType.Stock;
        metric.Additivity = Additivity.SemiAdditive;

        Assert.Contains(Validate(metric), e => e.Field == "metric.period_basis" && e.Message.Contains("AS_OF_DATE", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownAgencyAndMissingName_AreBothReported()
    {
        var metric = Valid();
        metric.Name = "";
        metric.Scope.Agency = "FBI";

        var fields = Validate(metric).Select(e => e.Field).ToList();
        Assert.Equal(["metric.name", "metric.scope.agency"], fields);
    }

    [Fact]
    public void DerivedFromAnUnknownMetric_NamesTheOperand()
    {
        var metric = TestRegistry.Snapshot.ById["ice-national-docket-criminal-history"].Clone();
        metric.Derived.Operands[1].MetricId = "ice-national-docket-pending";

        var error = Assert.Single(Validate(metric));
        Assert.Equal("metric.derived.operands[1].metric_id", error.Field);
    }

    [Fact]
    public void DerivedCycle_IsRejected()
    {
        // criminal-history = convicted + pending; making convicted = criminal-history - pending closes a loop.
        var metric = TestRegistry.Snapshot.ById["ice-national-docket-convicted"].Clone();
        metric.Derived = new DerivedSource { Operation = DerivedSource.Types.Operation.Difference };
        metric.Derived.Operands.Add(new Operand { MetricId = "ice-national-docket-criminal-history" });
        metric.Derived.Operands.Add(new Operand { MetricId = "ice-national-docket-pending-charges" });

        var error = Assert.Single(Validate(metric));
        Assert.Equal("metric.derived.operands", error.Field);
        Assert.Contains("ice-national-docket-convicted → ice-national-docket-criminal-history → ice-national-docket-convicted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GapAsAnOperand_IsRejected()
    {
        var metric = Valid();
        metric.Id = "wrongful-deportations-plus-removals";
        metric.Derived = new DerivedSource { Operation = DerivedSource.Types.Operation.Sum };
        metric.Derived.Operands.Add(new Operand { MetricId = "ice-removals" });
        metric.Derived.Operands.Add(new Operand { MetricId = "wrongful-deportations-reported-to-dhs" });

        Assert.Contains(Validate(metric), e => e.Field == "metric.derived.operands[1].metric_id" && e.Message.Contains("gap", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingValueSource_IsRejected()
    {
        var metric = Valid();
        metric.ClearValueSource();

        Assert.Equal("metric.value_source", Assert.Single(Validate(metric)).Field);
    }
}
