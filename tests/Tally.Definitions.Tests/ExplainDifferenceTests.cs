using Tally.Definitions.Explanation;
using Tally.Definitions.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Definitions.Tests;

public sealed class ExplainDifferenceTests
{
    private static MetricDefinition Metric(string id) => TestRegistry.Snapshot.ById[id];

    [Fact]
    public void IceVersusDhsRemovals_DhsIsWiderAndNotInterchangeable()
    {
        var (a, b) = (Metric("ice-removals"), Metric("dhs-removals"));
        var differences = DifferenceExplainer.Compare(a, b);
        var relations = TestRegistry.Snapshot.RelationsBetween(a.Id, b.Id);

        var agency = Assert.Single(differences, d => d.Property == "scope.agency");
        Assert.Equal(("ICE", "DHS", Code.ScopeWider), (agency.AValue, agency.BValue, agency.Code));
        Assert.DoesNotContain(differences, d => d.Property is "counted.thing" or "statistic_type" or "period_basis");
        Assert.Equal(RelationType.NotInterchangeableWith, Assert.Single(relations).Type);
        Assert.False(DifferenceExplainer.Interchangeable(differences, relations));
        Assert.Contains(DifferenceExplainer.Caveats(b, differences, relations), c => c.Code == Code.ScopeWider && c.MetricId == "dhs-removals");
    }

    [Fact]
    public void ReleasesVersusDocketStock_ReportsEventStatisticAndPeriodDifferences()
    {
        var (a, b) = (Metric("ice-releases-convicted"), Metric("ice-national-docket-convicted"));
        var differences = DifferenceExplainer.Compare(a, b);
        var relations = TestRegistry.Snapshot.RelationsBetween(a.Id, b.Id);

        Assert.Contains(differences, d => d.Property == "counted.thing" && d.Code == Code.DifferentEvent && d.AValue == "release" && d.BValue == "person_on_docket");
        Assert.Contains(differences, d => d.Property == "statistic_type" && d.Code == Code.StockNotFlow);
        Assert.Contains(differences, d => d.Property == "period_basis" && d.Code == Code.PeriodBasis);
        Assert.Contains(differences, d => d.Property == "counted.unit" && d.Code == Code.DifferentUnit);
        Assert.DoesNotContain(differences, d => d.Property == "scope.criminality");
        var relation = Assert.Single(relations);
        Assert.Contains(Code.StockNotFlow, relation.Differences);
        var summary = DifferenceExplainer.Summary(a, b, differences, relations, interchangeable: false);
        Assert.Contains("not interchangeable", summary, StringComparison.Ordinal);
        Assert.Contains(relation.Reason, summary, StringComparison.Ordinal);
    }

    [Fact]
    public void CriminalHistoryVersusConvicted_IsADifferentPopulation()
    {
        var differences = DifferenceExplainer.Compare(Metric("ice-national-docket-convicted"), Metric("ice-national-docket-criminal-history"));

        var criminality = Assert.Single(differences, d => d.Property == "scope.criminality");
        Assert.Equal(("convicted", "criminal_history", Code.DifferentPopulation), (criminality.AValue, criminality.BValue, criminality.Code));
        Assert.Contains(differences, d => d.Property == "value_source" && d.BValue == "derived");
    }

    [Fact]
    public void DifferencesFollowTheDefinitionsFieldOrder()
    {
        var differences = DifferenceExplainer.Compare(Metric("ice-removals"), Metric("ice-national-docket-convicted"));
        string[] order = ["name", "counted.kind", "counted.thing", "counted.unit", "scope.agency", "scope.program", "scope.criminality",
            "scope.citizenship", "scope.constraints", "scope.note", "statistic_type", "additivity", "period_basis", "year_to_date", "unit",
            "scale_exponent", "value_source", "has_year_to_date_values"];

        var positions = differences.Select(d => Array.IndexOf(order, d.Property)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void SameDefinition_HasNoDifferencesAndIsInterchangeable()
    {
        var a = Metric("ice-removals");
        var differences = DifferenceExplainer.Compare(a, a.Clone());

        Assert.Empty(differences);
        Assert.True(DifferenceExplainer.Interchangeable(differences, []));
    }

    [Fact]
    public void Relations_ListThePropertyDifferencesBehindThem()
    {
        var relation = Assert.Single(TestRegistry.Snapshot.RelationsBetween("ice-removals", "ice-releases-convicted"));

        Assert.Contains(Code.DifferentEvent, relation.Differences);
        Assert.Contains(Code.DifferentUnit, relation.Differences);
    }
}
