using Tally.Definitions.Explanation;
using Tally.Definitions.Model;
using Tally.Common.V1;
using Tally.Definitions.V1;

namespace Tally.Definitions.Tests;

public sealed class CatalogMapperTests
{
    [Fact]
    public void CriminalityClasses_SurviveTheTranslationToTheContract()
    {
        foreach (var metric in TestRegistry.Catalog.Metrics)
        {
            var expected = Vocabulary.Snake(metric.Population.Criminality);
            var actual = Vocabulary.CriminalityClass(TestRegistry.Snapshot.ById[metric.Id].Scope);
            Assert.Equal(expected == "not_applicable" ? "any" : expected, actual);
        }
    }

    [Fact]
    public void Gap_CarriesItsQuestionLeadsAndTheMetricsPeopleConfuseWithIt()
    {
        var gap = TestRegistry.Snapshot.ById["wrongful-deportations-reported-to-dhs"].Gap;

        Assert.StartsWith("How many wrongful deportation cases", gap.Question, StringComparison.Ordinal);
        Assert.Contains("trac-nta-dismissals", gap.NearestMetricIds);
        Assert.Contains("dhs-oig-21-36", gap.LeadSourceIds);
        Assert.NotEmpty(gap.WhatWouldSettle);
    }

    [Fact]
    public void ComputedMetric_SplitsDatasetAndTable_AndCarriesWhatAnswersSayUntilIngested()
    {
        var computed = TestRegistry.Snapshot.ById["ice-releases-convicted"].Computed;

        Assert.Equal(("ice-detention-stats", "book_outs_by_reason", "date", PeriodBasis.FiscalYearUsFederal), (computed.Dataset, computed.Table, computed.DateColumn, computed.Calendar));
        Assert.Equal((DatasetMeasure.Types.Aggregation.Sum, "n_book_outs"), (computed.Measure.Aggregation, computed.Measure.Column));
        Assert.Equal(ComputedSource.Types.VintageRule.Latest, computed.VintageRule);
        var reasons = Assert.Single(computed.Filters, f => f.Column == "release_reason");
        Assert.Equal((DatasetFilter.Types.Operator.In, 6), (reasons.Operator, reasons.Values.Count));
        Assert.Equal(DatasetFilter.Types.Operator.Equals, Assert.Single(computed.Filters, f => f.Column == "criminality").Operator);
        Assert.StartsWith("How many deportable immigrants with criminal convictions", computed.UntilIngested.Question, StringComparison.Ordinal);
        Assert.Contains("ice-national-docket-convicted", computed.UntilIngested.NearestMetricIds);
        Assert.Contains("book-outs-by-reason.csv", computed.UntilIngested.WhatWouldSettle, StringComparison.Ordinal);
    }

    [Fact]
    public void CatalogCaveatsAndPeriodFlags_AreKept()
    {
        var removals = TestRegistry.Snapshot.ById["ice-removals"];

        Assert.Contains(removals.Caveats, c => c.Code == "COUNTS_EVENTS");
        Assert.True(removals.HasYearToDateValues);
        Assert.False(removals.YearToDate);
        Assert.Equal((PeriodBasis.FiscalYearUsFederal, StatisticType.Flow, Additivity.Additive, "count"),
            (removals.PeriodBasis, removals.StatisticType, removals.Additivity, removals.Unit));
        Assert.Equal(StatisticType.Cumulative, TestRegistry.Snapshot.ById["trac-nta-dismissals-cumulative"].StatisticType);
        Assert.Equal("all ICE removals in the same fiscal year", TestRegistry.Snapshot.ById["ice-removals-criminal-history-share"].ShareOf);
    }

    [Fact]
    public void ContentHash_IgnoresVersionAndAuditFieldsButNotMeaning()
    {
        var a = TestRegistry.Snapshot.ById["ice-removals"].Clone();
        var b = a.Clone();
        b.Version = 7;
        b.UpdatedBy = "someone";
        b.ChangeNote = "no change";
        var c = a.Clone();
        c.Description += " Edited.";

        Assert.Equal(DefinitionHash.Compute(a), DefinitionHash.Compute(b));
        Assert.NotEqual(DefinitionHash.Compute(a), DefinitionHash.Compute(c));
    }

    [Theory]
    [InlineData("ice-removal", "ice-removals")]
    [InlineData("ice-docket-convicted", "ice-national-docket-convicted")]
    [InlineData("wrongful-deportations", "wrongful-deportations-reported-to-dhs")]
    [InlineData("dhs-removal", "dhs-removals")]
    public void NearestIds_PutTheIntendedIdFirst(string typed, string intended)
    {
        var nearest = NearestIds.Find(typed, TestRegistry.Snapshot.Ids);

        Assert.Equal(3, nearest.Count);
        Assert.Equal(intended, nearest[0]);
    }
}
