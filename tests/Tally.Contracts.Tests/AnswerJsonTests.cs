using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Query.V1;

namespace Tally.Contracts.Tests;

/// <summary>The Answer's JSON form (proto3 JSON mapping) is a public contract: these names must not drift.</summary>
public sealed class AnswerJsonTests
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    [Fact]
    public void AnswerJson_UsesContractedCamelCaseNames()
    {
        using var json = JsonDocument.Parse(Formatter.Format(SampleAnswer()));
        var root = json.RootElement;

        Assert.Equal("PARTIAL", root.GetProperty("status").GetString());
        Assert.StartsWith("ICE reported", root.GetProperty("headline").GetString(), StringComparison.Ordinal);

        var figure = root.GetProperty("figures")[0];
        Assert.Equal(271484, figure.GetProperty("value").GetDouble());
        Assert.Equal("FY2024", figure.GetProperty("period").GetProperty("label").GetString());
        Assert.Equal("ice.ero.removals", figure.GetProperty("metricId").GetString());
        Assert.Equal(3, figure.GetProperty("definitionVersion").GetInt32());
        Assert.Equal("EXACT", figure.GetProperty("qualifier").GetString());
        Assert.Equal(1, figure.GetProperty("citations")[0].GetInt32());

        var caveat = root.GetProperty("caveats")[0];
        Assert.Equal("PERIOD_BASIS", caveat.GetProperty("code").GetString());
        Assert.Contains("fiscal year", caveat.GetProperty("text").GetString(), StringComparison.Ordinal);

        var related = root.GetProperty("related")[0];
        Assert.Equal(435719, related.GetProperty("value").GetDouble());
        Assert.Equal("ice.national_docket.convicted", related.GetProperty("metricId").GetString());
        Assert.False(string.IsNullOrEmpty(related.GetProperty("reason").GetString()));

        var citation = root.GetProperty("citations")[0];
        Assert.Equal(1, citation.GetProperty("number").GetInt32());
        Assert.True(citation.GetProperty("verified").GetBoolean());

        Assert.Equal("Did ICE remove more people in FY2024 than in FY2023?", root.GetProperty("followUps")[0].GetString());
        var servedFrom = root.GetProperty("servedFrom");
        Assert.Equal("COMPUTED", servedFrom.GetProperty("kind").GetString());
        Assert.Equal("2024-10-01", servedFrom.GetProperty("dataVersions").GetProperty("ice-detention-stats").GetString());
    }

    [Fact]
    public void AnswerJson_RoundTripsThroughParser()
    {
        var answer = SampleAnswer();

        var parsed = JsonParser.Default.Parse<Answer>(Formatter.Format(answer));

        Assert.Equal(answer, parsed);
    }

    [Fact]
    public void Calculation_PublishedValueIsAbsentUnlessSet()
    {
        var withoutPublished = new Calculation { Description = "share", Result = 0.327 };

        var json = JsonFormatter.Default.Format(withoutPublished);

        Assert.False(withoutPublished.HasPublishedValue);
        Assert.DoesNotContain("publishedValue", json, StringComparison.Ordinal);
        Assert.Contains("\"publishedValue\": 0", JsonFormatter.Default.Format(new Calculation { PublishedValue = 0 }), StringComparison.Ordinal);
    }

    private static Answer SampleAnswer() => new()
    {
        Status = AnswerStatus.Partial,
        Question = "How many people did ICE deport in 2024?",
        Headline = "ICE reported 271,484 removals in FY2024 (Oct 2023-Sep 2024) [1].",
        Figures =
        {
            new AnswerFigure
            {
                Value = 271484,
                Period = new Period
                {
                    Kind = PeriodKind.FiscalYear, FiscalYear = 2024, StartDate = "2023-10-01", EndDate = "2024-09-30", Label = "FY2024",
                },
                MetricId = "ice.ero.removals",
                MetricName = "ICE ERO removals",
                DefinitionVersion = 3,
                Qualifier = Qualifier.Exact,
                Status = FigureStatus.Final,
                Citations = { 1 },
                Role = FigureRole.Main,
                Unit = "count",
                ValueText = "271,484",
                ReviewState = ReviewState.Reviewed,
            },
        },
        Caveats =
        {
            new Caveat
            {
                Code = Caveat.Types.Code.PeriodBasis,
                Text = "You asked about calendar 2024; ICE reports by fiscal year (Oct 1 - Sep 30).",
                MetricId = "ice.ero.removals",
            },
        },
        Related =
        {
            new RelatedFigure
            {
                Value = 435719,
                MetricId = "ice.national_docket.convicted",
                RelationType = RelationType.NotInterchangeableWith,
                Reason = "A stock of people on the national docket on 2024-07-21, not removals over a year.",
                Differences = { Caveat.Types.Code.StockNotFlow, Caveat.Types.Code.DifferentEvent },
                Citations = { 2 },
            },
        },
        Calculations =
        {
            new Calculation
            {
                Description = "Share of FY2024 ERO removals with criminal history",
                Expression = "88763 / 271484",
                Result = 88763.0 / 271484.0,
                ResultText = "32.7%",
                MatchesPublished = true,
                PublishedValue = 0.327,
                PublishedCitation = 1,
            },
        },
        Citations =
        {
            new Reference
            {
                Number = 1,
                CitationId = "cit-1",
                Title = "Year in Review: ICE Fiscal Year 2024 Annual Report",
                Publisher = "U.S. Immigration and Customs Enforcement",
                Url = "https://www.ice.gov/",
                Link = "https://www.ice.gov/#:~:text=271%2C484",
                Fragment = "271,484 ERO removals",
                Verified = true,
                Accessed = "2025-10-17",
                SourceKind = SourceKind.OfficialReport,
            },
        },
        DataGaps = { new DataGap { MetricId = "dhs.wrongful_deportations_reported", WhatWouldSettle = "complaint records" } },
        FollowUps = { "Did ICE remove more people in FY2024 than in FY2023?" },
        ServedFrom = new ServedFrom
        {
            Kind = ServedFrom.Types.Kind.Computed,
            CatalogVersion = 12,
            DataVersions = { ["ice-detention-stats"] = "2024-10-01" },
            ComputedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 10, 17, 12, 0, 0, TimeSpan.Zero)),
        },
    };
}
