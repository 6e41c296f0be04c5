using Google.Protobuf.WellKnownTypes;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.V1;

namespace Tally.Cli.Tests;

/// <summary>Hand-built messages shaped like the seed fact-checks (facts from ICE's FY2024 annual report).</summary>
internal static class SampleAnswers
{
    public static Period Fy2024 => new()
    {
        Kind = PeriodKind.FiscalYear, FiscalYear = 2024, StartDate = "2023-10-01", EndDate = "2024-09-30", Label = "FY2024",
    };

    /// <summary>An ANSWERED answer with every section filled; value_text left empty so the CLI formats numbers itself.</summary>
    public static Answer Full()
    {
        var answer = new Answer
        {
            Status = AnswerStatus.Answered,
            Question = "How many people did ICE remove in fiscal year 2024?",
            Headline = "ICE reported 271,484 removals in FY2024 (Oct 2023-Sep 2024) [1].",
            ServedFrom = new ServedFrom
            {
                Kind = ServedFrom.Types.Kind.Cache, CatalogVersion = 7, ComputedAt = Timestamp.FromDateTime(new DateTime(2025, 1, 2, 0, 0, 0, DateTimeKind.Utc)),
            },
        };
        answer.ServedFrom.DataVersions.Add("ice-detention-stats", "2024-10-01");
        answer.Figures.Add(new AnswerFigure
        {
            Value = 271484, Period = Fy2024, MetricId = "ice-removals", DefinitionVersion = 2, Qualifier = Qualifier.Exact,
            Status = FigureStatus.Final, Citations = { 1 }, Role = FigureRole.Main, MetricName = "ICE ERO removals", Unit = "count",
        });
        answer.Figures.Add(new AnswerFigure
        {
            Value = 88763, Period = Fy2024, MetricId = "ice-removals-criminal-history", DefinitionVersion = 1, Qualifier = Qualifier.Exact,
            Citations = { 1, 2 }, Role = FigureRole.Component, MetricName = "ICE ERO removals with criminal history", Unit = "count",
        });
        answer.Caveats.Add(new Caveat { Code = Caveat.Types.Code.PeriodBasis, Text = "FY2024 runs from October 1, 2023 to September 30, 2024, not calendar 2024." });
        answer.Caveats.Add(new Caveat { Code = Caveat.Types.Code.DifferentUnit, Text = "Removals count events: a person removed twice counts twice." });
        answer.Related.Add(new RelatedFigure
        {
            Value = 435719, Period = new Period { Kind = PeriodKind.AsOfDate, StartDate = "2024-07-21", EndDate = "2024-07-21" },
            MetricId = "ice-nondetained-docket-convicted", MetricName = "Convicted noncitizens on ICE's non-detained docket",
            RelationType = RelationType.NotInterchangeableWith, Reason = "A stock on 2024-07-21, not removals over a year.",
            Differences = { Caveat.Types.Code.StockNotFlow, Caveat.Types.Code.DifferentEvent }, Citations = { 3 }, DefinitionVersion = 1,
        });
        answer.Calculations.Add(new Calculation
        {
            Description = "Share of FY2024 ERO removals with criminal history", Expression = "88763 / 271484", Result = 0.32695,
            ResultText = "32.7%", MatchesPublished = true, PublishedValue = 32.7, PublishedCitation = 2,
        });
        answer.DataGaps.Add(new DataGap
        {
            MetricId = "dhs-wrongful-deportation-reports", Question = "How many wrongful deportations were reported to DHS?",
            WhyUnpublished = "DHS publishes no count labelled wrongful deportation.",
            WhatWouldSettle = "DHS OIG complaint records coded for wrongful removal, by year.",
        });
        answer.UnreviewedFigures.Add(new AnswerFigure
        {
            Value = 1234567, Period = Fy2024, MetricId = "ice-removals", Qualifier = Qualifier.MoreThan, Citations = { 3 },
            ReviewState = ReviewState.Unreviewed, Unit = "count",
        });
        answer.FollowUps.Add("How many of the FY2024 removals had a criminal conviction?");
        answer.FollowUps.Add("How did removals change from FY2023?");
        answer.Citations.Add(new Reference
        {
            Number = 1, CitationId = "c1", Title = "ICE Annual Report Fiscal Year 2024", Publisher = "U.S. Immigration and Customs Enforcement",
            Url = "https://www.ice.gov/doclib/eoy/iceAnnualReportFY2024.pdf", Link = "https://www.ice.gov/doclib/eoy/iceAnnualReportFY2024.pdf#page=4",
            Fragment = "271,484 removals", Verified = true, Accessed = "2025-01-02", PublishedDate = "2024-12-19", LocatorText = "p. 4",
        });
        answer.Citations.Add(new Reference
        {
            Number = 2, CitationId = "c2", Title = "Does ICE release convicted criminals?", Publisher = "Factually",
            Url = "https://example.org/factually/ice-releases", Fragment = "88,763 (32.7%) of which had criminal histories", Verified = true,
        });
        answer.Citations.Add(new Reference
        {
            Number = 3, CitationId = "c3", Title = "Letter to Congress on the non-detained docket", Publisher = "ICE",
            Url = "https://example.org/letter", Fragment = "435,719 convicted criminals", Verified = false,
        });
        answer.Resolution = new Resolution { ChosenMetricIds = { "ice-removals" } };
        answer.Resolution.Candidates.Add(new Candidate
        {
            MetricId = "ice-removals", Version = 2, Score = 0.92, Reasons = { "alias 'removals' matches 'remove'" },
        });
        return answer;
    }

    /// <summary>A NOT_PUBLISHED answer with only a headline, a gap and no figures.</summary>
    public static Answer NotPublished() => new()
    {
        Status = AnswerStatus.NotPublished,
        Question = "How many wrongful deportation cases were reported to DHS in 2024?",
        Headline = "No public source publishes a count of wrongful deportations reported to DHS.",
        DataGaps =
        {
            new DataGap
            {
                MetricId = "dhs-wrongful-deportation-reports", WhatWouldSettle = "DHS OIG complaint records coded for wrongful removal, by year.",
            },
        },
        ServedFrom = new ServedFrom { Kind = ServedFrom.Types.Kind.Computed, CatalogVersion = 3 },
    };
}
