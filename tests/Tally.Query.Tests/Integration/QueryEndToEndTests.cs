using System.Net;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Grpc;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Tests.Integration;

/// <summary>
/// Issue 3's acceptance over real gRPC: the embedded default host (definitions, citations, ingestion and query in one
/// process, calling each other through their generated clients) answers the seed questions in many phrasings.
/// </summary>
[Collection(AllInOneCollection.Name)]
public sealed class QueryEndToEndTests(AllInOneFixture fx)
{
    private static string Describe(Answer a) =>
        $"{a.Status}: {a.Headline}\n figures: {string.Join("; ", a.Figures.Select(f => $"{f.Role} {f.MetricId} {f.ValueText}"))}\n related: " +
        string.Join("; ", a.Related.Select(r => $"{r.MetricId} {r.ValueText} [{string.Join(",", r.Differences)}]")) +
        $"\n candidates: {string.Join(", ", a.Resolution?.Candidates.Select(c => $"{c.MetricId}:{c.Score:F2}") ?? [])}";

    private Task<Answer> AskAsync(string question, bool skipCache = false) =>
        fx.Query.AskAsync(new AskRequest { Question = question, SkipCache = skipCache });

    [Theory]
    [InlineData("How many people did ICE remove in fiscal year 2024?")]
    [InlineData("How many people did ICE deport in fiscal year 2024?")]
    [InlineData("How many people did ICE deport in 2024?")]
    [InlineData("How many people did ICE deport in fiscal 2024?")]
    [InlineData("How many removals did ICE carry out in FY2024?")]
    [InlineData("How many people were deported by ICE in FY 2024?")]
    [InlineData("How many noncitizens did Immigration and Customs Enforcement remove during fiscal year 2024?")]
    public async Task IceRemovalsFiscal2024_AnyPhrasing_Answered271484WithAnnualReportAndCriminalHistoryShare(string question)
    {
        var answer = await AskAsync(question);

        Assert.True(answer.Status == AnswerStatus.Answered, Describe(answer));
        var main = answer.Figures[0];
        Assert.Equal((FigureRole.Main, "ice-removals", 271484d, 2024), (main.Role, main.MetricId, main.Value, main.Period.FiscalYear));
        Assert.Contains("271,484", answer.Headline, StringComparison.Ordinal);
        Assert.Contains("October 1, 2023–September 30, 2024", answer.Headline, StringComparison.Ordinal);
        var reference = answer.Citations.Single(r => r.Number == main.Citations[0]);
        Assert.Contains("annual report", reference.Fragment, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("271,484", reference.Fragment, StringComparison.Ordinal);
        Assert.Equal("ice-annual-report-fy2024", reference.OriginalSourceId);
        Assert.Contains("Annual Report", reference.OriginalTitle, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(answer.Figures, f => f.Role == FigureRole.Component && f.MetricId == "ice-removals-criminal-history" && f.Value == 88763);
        var share = Assert.Single(answer.Calculations, c => c.Expression == "88763 / 271484");
        Assert.Equal(("32.7%", true), (share.ResultText, share.MatchesPublished));
        Assert.Equal(["ice-removals"], answer.Resolution.ChosenMetricIds);
    }

    [Theory]
    [InlineData("How many wrongful deportation cases were reported to the Department of Homeland Security in 2024?")]
    [InlineData("How many wrongful deportation cases were reported to DHS in 2024?")]
    [InlineData("How many wrongful deportations were reported to DHS in fiscal year 2024?")]
    [InlineData("How many people were wrongly deported in 2024?")]
    [InlineData("How many wrongful deportation cases were reported to the Department of Homeland Security in 2023 for comparison?")]
    public async Task WrongfulDeportations_AnyPhrasing_NotPublishedWithTheSeedsRelatedFigures(string question)
    {
        var answer = await AskAsync(question);

        Assert.True(answer.Status == AnswerStatus.NotPublished, Describe(answer));
        Assert.Empty(answer.Figures);
        var gap = Assert.Single(answer.DataGaps);
        Assert.Equal("wrongful-deportations-reported-to-dhs", gap.MetricId);
        Assert.False(string.IsNullOrWhiteSpace(gap.WhatWouldSettle));
        var trac = Assert.Single(answer.Related, r => r.MetricId == "trac-nta-dismissals");
        Assert.Equal(68869, trac.Value);
        Assert.Contains(Code.DifferentEvent, trac.Differences);
        Assert.Contains(answer.Related, r => r.MetricId == "frtf-children-reunified");
        Assert.All(answer.Related, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason)));
        Assert.DoesNotContain("68,869", answer.Headline, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("How many deportable immigrants with criminal convictions does ICE release each year?")]
    [InlineData("How many deportable immigrants with criminal convictions are released by ICE annually in recent years?")]
    [InlineData("How many convicted criminals does ICE release annually?")]
    [InlineData("How many criminal aliens were released by ICE each year?")]
    [InlineData("How many immigrants with criminal records did ICE release in fiscal year 2024?")]
    public async Task ReleasesOfConvicted_AnyPhrasing_DocketStockAndRemovalsNeverTheAnswer(string question)
    {
        var answer = await AskAsync(question);

        Assert.True(answer.Status is AnswerStatus.NotPublished or AnswerStatus.Partial, Describe(answer));
        Assert.DoesNotContain(answer.Figures, f => f.Role == FigureRole.Main && f.Value is 435719 or 88763 or 271484 or 662566);
        var docket = Assert.Single(answer.Related, r => r.MetricId == "ice-national-docket-convicted");
        Assert.Equal((435719d, "2024-07-21"), (docket.Value, docket.Period.EndDate));
        Assert.Contains(Code.StockNotFlow, docket.Differences);
        Assert.Contains(answer.Related, r => r.MetricId.StartsWith("ice-removals", StringComparison.Ordinal) && r.Differences.Contains(Code.DifferentEvent));
    }

    [Fact]
    public async Task ReleasesOfConvictedFy2023_DatasetNotIngested_NoFigureYetAndIngestingSettlesIt()
    {
        var answer = await AskAsync("How many people with criminal convictions did ICE release from detention in FY2023?");

        Assert.True(answer.Status == AnswerStatus.NotPublished, Describe(answer));
        Assert.Empty(answer.Figures);
        var gap = Assert.Single(answer.DataGaps);
        Assert.Equal("ice-releases-convicted", gap.MetricId);
        Assert.Contains("tally ingest dataset book-outs-by-reason.csv", gap.WhatWouldSettle, StringComparison.Ordinal);
        Assert.Equal(Code.ComputedNotPublished, answer.Caveats[0].Code);
        Assert.StartsWith("No figure is available yet", answer.Caveats[0].Text, StringComparison.Ordinal);
        Assert.Contains(answer.Related, r => r.MetricId == "ice-national-docket-convicted" && r.Differences.Contains(Code.StockNotFlow));
    }

    [Theory]
    [InlineData("What is the process for reporting wrongful deportation to the Department of Homeland Security?", AnswerStatus.OutOfScope)]
    [InlineData("What are the consequences for individuals wrongfully deported from the US in 2024?", AnswerStatus.OutOfScope)]
    [InlineData("What criteria determine whether ICE releases an immigrant with a criminal conviction?", AnswerStatus.OutOfScope)]
    [InlineData("What oversight, appeals, or legal remedies exist for states or victims when ICE releases convicted immigrants?", AnswerStatus.OutOfScope)]
    [InlineData("How do ICE release rates for convicted immigrants vary by offense type (violent, drug, DUI, immigration)?", AnswerStatus.NotPublished)]
    [InlineData("How do ICE release statistics compare to CBP or state corrections releases of noncitizens?", AnswerStatus.NotPublished)]
    [InlineData("How many detainees in ICE custody had criminal convictions each year from 2018–2024?", AnswerStatus.NotPublished)]
    public async Task DiveDeeperQuestions_RightStatus(string question, AnswerStatus expected)
    {
        var answer = await AskAsync(question);

        Assert.True(answer.Status == expected, Describe(answer));
    }

    [Fact]
    public async Task EmptyQuestion_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => AskAsync("   "));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("empty", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverlongQuestion_InvalidArgumentNamingTheLimit()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => AskAsync("How many people did ICE remove " + new string('x', 1000) + "?"));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("the limit is 1,000 characters", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_UnknownChosenMetric_InvalidArgumentListingNearestIds()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fx.Query.AskAsync(new AskRequest { Question = "How many people did ICE remove in 2024?", ChosenMetricId = "ice-removal" }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("ice-removals", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_ChosenMetricAfterClarification_AnsweredWithIt()
    {
        var answer = await fx.Query.AskAsync(new AskRequest { Question = "How many immigrants with criminal records are on ICE's docket?", ChosenMetricId = "ice-national-docket-convicted" });

        Assert.Equal(AnswerStatus.Answered, answer.Status);
        Assert.Equal(435719, answer.Figures[0].Value);
    }

    [Fact]
    public async Task GetFigure_UnknownMetric_NotFoundListingNearestIds()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fx.Query.GetFigureAsync(new GetFigureRequest { MetricId = "ice-removal" }));

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains("ice-removals", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetFigure_IceRemovalsFiscal2024_AnsweredWithoutResolution()
    {
        var answer = await fx.Query.GetFigureAsync(new GetFigureRequest { MetricId = "ice-removals", Period = new Period { Kind = PeriodKind.FiscalYear, FiscalYear = 2024 } });

        Assert.Equal(AnswerStatus.Answered, answer.Status);
        Assert.Equal(271484, answer.Figures[0].Value);
        Assert.Null(answer.Resolution);
    }

    [Fact]
    public async Task GetFigure_EveryCatalogFigureByItsOwnMetricAndPeriod_IsAnsweredWithThatFigure()
    {
        // Asked by id there is no question to differ from: the metric is exactly what was asked (no scope caveats, not PARTIAL).
        var ingestion = new Tally.Ingestion.V1.IngestionService.IngestionServiceClient(fx.Channel.CreateCallInvoker());
        var figures = (await ingestion.ListFiguresAsync(new Tally.Ingestion.V1.ListFiguresRequest { PageSize = 1000 })).Figures
            // Undated characterisations ("tens of thousands each year", "the majority at times") are never a figure for a period.
            .Where(f => f.ReviewState == ReviewState.Reviewed && f.Dimensions.Count == 0 && f.Period.Kind != PeriodKind.Unspecified)
            .ToList();
        Assert.NotEmpty(figures);

        var wrong = new List<string>();
        foreach (var figure in figures)
        {
            var answer = await fx.Query.GetFigureAsync(new GetFigureRequest { MetricId = figure.MetricId, Period = figure.Period });
            var main = answer.Figures.FirstOrDefault(f => f.Role == FigureRole.Main);
            if (answer.Status != AnswerStatus.Answered || main is null || main.MetricId != figure.MetricId)
            {
                wrong.Add($"{figure.MetricId} {figure.Period}: {answer.Status} {answer.Headline}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {figures.Count} catalog figures were not answered by their own metric id:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task GetFigure_PeriodWithoutYear_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fx.Query.GetFigureAsync(new GetFigureRequest { MetricId = "ice-removals", Period = new Period { Kind = PeriodKind.FiscalYear } }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("fiscal_year", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameQuestionTwice_SecondServedFromCacheUnderTheSameKey_SkipCacheComputes()
    {
        const string question = "How many ICE ERO administrative arrests were there in FY2024?";
        var first = await AskAsync(question, skipCache: true);
        var second = await AskAsync(question);
        var third = await AskAsync(question, skipCache: true);

        Assert.Equal(ServedFrom.Types.Kind.Computed, first.ServedFrom.Kind);
        Assert.Equal(ServedFrom.Types.Kind.Cache, second.ServedFrom.Kind);
        Assert.Equal(first.ServedFrom.CacheKey, second.ServedFrom.CacheKey);
        Assert.Equal(first.ServedFrom.CatalogVersion, second.ServedFrom.CatalogVersion);
        Assert.True(second.ServedFrom.CatalogVersion > 0);
        Assert.Equal(ServedFrom.Types.Kind.Computed, third.ServedFrom.Kind);
        Assert.Equal(first.Headline, second.Headline);

        // The hit went out as the stored bytes followed by its ServedFrom: the client reads the very answer computed first.
        var (computed, cached) = (first.Clone(), second.Clone());
        computed.ServedFrom = null;
        cached.ServedFrom = null;
        Assert.Equal(computed, cached);
        Assert.Equal(AnswerStatus.Answered, cached.Status);
    }

    [Fact]
    public async Task GrpcJsPeer_AsksTwice_ReadsTheCachedAnswerAsTheComputedOne()
    {
        // A cache hit goes out as the stored bytes followed by its ServedFrom (one message, merged by protobuf): a third-party
        // client (@grpc/grpc-js with proto-loader) must read it exactly as it read the computed answer.
        const string question = "How many deportable immigrants with criminal convictions does ICE release each year?";
        var (exitCode, output) = await Tally.Testing.NodePeer.RunAsync("ask.js",
            ["--server", $"127.0.0.1:{fx.GrpcPort}", "--question", question, "--times", "2", "--skip-cache"], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, output);
        var answers = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(2, answers.Count);

        Assert.Equal("COMPUTED", (string?)answers[0]["served_from"]!["kind"]);
        Assert.Equal("CACHE", (string?)answers[1]["served_from"]!["kind"]);
        Assert.Equal((string?)answers[0]["served_from"]!["cache_key"], (string?)answers[1]["served_from"]!["cache_key"]);
        answers.ForEach(a => a.Remove("served_from"));
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(answers[0], answers[1]), $"computed and cached differ:\n{answers[0]}\n{answers[1]}");
        var ours = await AskAsync(question);
        Assert.Equal(ours.Headline, (string?)answers[1]["headline"]);
        Assert.Equal(Answer.Descriptor.FindFieldByName("status").EnumType.FindValueByNumber((int)ours.Status).Name, (string?)answers[1]["status"]);
        Assert.Equal(ours.Citations.Count, answers[1]["citations"]!.AsArray().Count);
    }

    [Fact]
    public async Task NewSnapshotEvent_EvictsCachedAnswers()
    {
        const string question = "How many at-large arrests did ICE make in FY2024?";
        await AskAsync(question, skipCache: true);
        Assert.Equal(ServedFrom.Types.Kind.Cache, (await AskAsync(question)).ServedFrom.Kind);

        await fx.Services.GetRequiredService<IPublishEndpoint>().Publish(new SourceIngested
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, SourceId = "test", SnapshotId = "snap-test", ContentSha256 = new string('0', 64),
        });

        var until = DateTime.UtcNow.AddSeconds(10);
        var kind = ServedFrom.Types.Kind.Cache;
        while (DateTime.UtcNow < until && kind == ServedFrom.Types.Kind.Cache)
        {
            await Task.Delay(50);
            kind = (await AskAsync(question)).ServedFrom.Kind;
        }

        Assert.Equal(ServedFrom.Types.Kind.Computed, kind);
    }

    [Fact]
    public async Task CheckClaim_DocketQuotedAsAnnualReleases_MisleadingWithClaimReview()
    {
        var response = await fx.Query.CheckClaimAsync(new CheckClaimRequest { Claim = "ICE releases 435,719 convicted criminals every year", Claimant = "A campaign ad" });

        Assert.Equal(Verdict.Misleading, response.Verdict);
        Assert.Equal(435719, response.Claimed.Value);
        Assert.Equal(AnswerStatus.NotPublished, response.Answer.Status);
        using var doc = JsonDocument.Parse(response.ClaimReviewJsonLd);
        Assert.Equal("ClaimReview", doc.RootElement.GetProperty("@type").GetString());
        Assert.Equal("Misleading", doc.RootElement.GetProperty("reviewRating").GetProperty("alternateName").GetString());
    }

    [Fact]
    public async Task CheckClaim_Empty_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fx.Query.CheckClaimAsync(new CheckClaimRequest { Claim = "" }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task RenderBrief_Question_MarkdownInFactCheckShape()
    {
        var response = await fx.Query.RenderBriefAsync(new RenderBriefRequest { Question = "How many wrongful deportation cases were reported to DHS in 2024?" });

        Assert.StartsWith("# Fact check: How many wrongful deportation cases were reported to DHS in 2024?", response.Markdown, StringComparison.Ordinal);
        Assert.Contains(response.Answer.Headline, response.Markdown, StringComparison.Ordinal);
        Assert.Contains("## What the evidence does and does not support", response.Markdown, StringComparison.Ordinal);
        Assert.Contains("\n[1] ", response.Markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSeries_TracDismissals_PointsOldestFirstWithCitations()
    {
        var series = await fx.Query.GetSeriesAsync(new GetSeriesRequest { MetricId = "trac-nta-dismissals" });

        Assert.Equal([217d, 68869d], series.Points.Select(p => p.Value));
        Assert.Equal(series.Points.Count, series.Citations.Count);
        Assert.Equal("trac-nta-dismissals", series.Metric.Id);
    }

    [Fact]
    public async Task ExplainDifference_DocketVersusRemovalsForFiscal2024_BothValuesInSummary()
    {
        var response = await fx.Query.ExplainDifferenceAsync(new ExplainDifferenceRequest
        {
            AMetricId = "ice-national-docket-convicted",
            BMetricId = "ice-removals-criminal-history",
            Period = new Period { Kind = PeriodKind.FiscalYear, FiscalYear = 2024 },
        });

        Assert.False(response.Difference.Interchangeable);
        Assert.Equal([435719d, 88763d], response.Figures.Select(f => f.Value));
        Assert.Contains("435,719", response.Summary, StringComparison.Ordinal);
        Assert.Contains("88,763", response.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AnswersAndCacheLookupsAreCounted()
    {
        await AskAsync("How many HSI criminal arrests were there in FY2024?");
        await AskAsync("How many HSI criminal arrests were there in FY2024?");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{fx.HttpPort}/metrics") { Version = HttpVersion.Version11 };

        var text = await (await http.SendAsync(request)).Content.ReadAsStringAsync();

        Assert.Matches(@"tally_answers_total\{[^}]*status=""ANSWERED""[^}]*\} [1-9]", text);
        Assert.Matches(@"tally_answer_cache_requests_total\{[^}]*result=""hit""[^}]*\} [1-9]", text);
    }
}
