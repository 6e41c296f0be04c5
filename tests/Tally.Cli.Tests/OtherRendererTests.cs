using Tally.Cli.Rendering;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Ingestion.V1;
using Tally.Query.V1;

namespace Tally.Cli.Tests;

public sealed class OtherRendererTests
{
    [Fact]
    public void Claim_ShowsVerdictExplanationClaimedNumberAndTheAnswer()
    {
        var text = QueryRenderers.Claim(new CheckClaimResponse
        {
            Verdict = Verdict.Misleading,
            Explanation = "271,484 counts FY2024 removals, not calendar 2024.",
            Claimed = new ClaimedFigure { Value = 271484, Text = "271,484 people", Qualifier = Qualifier.Exact },
            Answer = SampleAnswers.Full(),
        }, RenderSettings.Plain);
        Assert.StartsWith(" MISLEADING ", text, StringComparison.Ordinal);
        Assert.Contains("Claimed: \"271,484 people\" = 271,484", text, StringComparison.Ordinal);
        Assert.Contains("The answer behind it", text, StringComparison.Ordinal);
        Assert.Contains("[1] ✓ ICE Annual Report", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Series_ListsOnePointPerPeriodOldestFirst()
    {
        var series = new GetSeriesResponse { Metric = new MetricDefinition { Id = "ice-removals", Version = 2, Name = "ICE ERO removals" } };
        series.Points.Add(new AnswerFigure { Value = 142580, Period = new Period { Label = "FY2023" }, Unit = "count", Citations = { 1 } });
        series.Points.Add(new AnswerFigure { Value = 271484, Period = new Period { Label = "FY2024" }, Unit = "count", Citations = { 1 } });
        var text = QueryRenderers.Series(series, RenderSettings.Plain);
        Assert.Contains("ICE ERO removals (ice-removals @ v2)", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("142,580", StringComparison.Ordinal) < text.IndexOf("271,484", StringComparison.Ordinal), text);
    }

    [Fact]
    public void Difference_SaysNotInterchangeableAndListsEachProperty()
    {
        var response = new Query.V1.ExplainDifferenceResponse
        {
            Summary = "435,719 is a stock on 2024-07-21; 88,763 is a FY2024 flow of removals.",
            Difference = new Definitions.V1.ExplainDifferenceResponse
            {
                A = new MetricDefinition { Id = "a-metric", Version = 1, Name = "A" },
                B = new MetricDefinition { Id = "b-metric", Version = 3, Name = "B" },
                Interchangeable = false,
                Differences =
                {
                    new PropertyDifference
                    {
                        Property = "statistic_type", AValue = "STOCK", BValue = "FLOW", Code = Caveat.Types.Code.StockNotFlow,
                        Explanation = "A count on one day is not a count over a year.",
                    },
                },
            },
        };
        var text = QueryRenderers.Difference(response, RenderSettings.Plain);
        Assert.Contains("✗ not interchangeable", text, StringComparison.Ordinal);
        Assert.Contains("B (b-metric @ v3)", text, StringComparison.Ordinal);
        Assert.Contains("statistic_type", text, StringComparison.Ordinal);
        Assert.Contains("STOCK_NOT_FLOW: A count on one day", text, StringComparison.Ordinal);
    }

    [Fact]
    public void MetricShow_PrintsEveryPropertyAliasesGapAndRelations()
    {
        var metric = new MetricDefinition
        {
            Id = "dhs-wrongful-deportation-reports", Version = 4, Name = "Wrongful deportations reported to DHS",
            Description = "Reports to DHS of people removed who had a right to stay.",
            Counted = new Counted { Kind = CountedKind.Event, Thing = "wrongful_removal_report", Unit = CountingUnit.Cases },
            Scope = new Scope { Agency = "DHS", Note = "all components" },
            StatisticType = StatisticType.Flow, Additivity = Additivity.Additive, PeriodBasis = PeriodBasis.CalendarYear,
            Unit = "count", Aliases = { "wrongful deportations", "mistaken removals" },
            Gap = new Gap { WhyUnpublished = "DHS publishes no such count.", WhatWouldSettle = "OIG complaint records.", NearestMetricIds = { "ice-removals" } },
            ChangeNote = "split from removals", Family = "oversight", Notes = "Advocates track cases one by one.",
            Caveats = { new DefinitionCaveat { Code = "NO_OFFICIAL_COUNT", Text = "No agency keeps this count." } },
        };
        metric.Gap.LeadSourceIds.Add("dhs-oig-reports");
        var relations = new Google.Protobuf.Collections.RepeatedField<Relation>
        {
            new Relation { FromMetricId = metric.Id, ToMetricId = "ice-removals", Type = RelationType.NotInterchangeableWith, Reason = "Reports are not removals." },
        };
        var text = DefinitionRenderer.Show(new GetMetricResponse { Metric = metric, CatalogVersion = 9 }, relations, RenderSettings.Plain);
        foreach (var expected in new[]
        {
            "Wrongful deportations reported to DHS (dhs-wrongful-deportation-reports @ v4)", "wrongful removal report", "DHS",
            "flow", "additive", "calendar year", "GAP (not published)", "wrongful deportations, mistaken removals",
            "What would settle it: OIG complaint records.", "Often confused with: ice-removals", "not interchangeable with",
            "Reports are not removals.", "split from removals", "catalog v9", "each case counts once", "oversight",
            "NO_OFFICIAL_COUNT: No agency keeps this count.", "Advocates track cases one by one.", "Sources worth checking: dhs-oig-reports",
        })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DatasetSummary_AddsUpRows()
    {
        var text = IngestRenderer.Dataset(new DatasetLoadSummary
        {
            DatasetName = "ice-detention-stats", DatasetId = "ds1", RowsRead = 12034, RowsStored = 12000, RowsQuarantined = 34,
            Findings = { new ValidationFinding { Severity = ValidationFinding.Types.Severity.Error, Code = "UNPARSABLE_DATE", RowCount = 34, Message = "bad dates" } },
        }, RenderSettings.Plain);
        Assert.Contains("12,034 read = 12,000 stored + 34 quarantined", text, StringComparison.Ordinal);
        Assert.Contains("UNPARSABLE_DATE", text, StringComparison.Ordinal);
    }
}
