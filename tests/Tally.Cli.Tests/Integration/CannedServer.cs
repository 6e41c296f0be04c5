using System.Collections.Concurrent;
using System.Net;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Query.V1;

namespace Tally.Cli.Tests.Integration;

/// <summary>
/// A real gRPC server (Kestrel, h2c, 127.0.0.1, dynamic port) over Tally.Grpc with canned QueryService,
/// MetricDefinitionService, IngestionService and Health implementations. It tests the CLI, not the answers: the answers are
/// <see cref="SampleAnswers"/>. CitationService is deliberately not mapped (UNIMPLEMENTED).
/// </summary>
public class CannedServer : IAsyncLifetime
{
    private readonly Action<ListenOptions>? _listen;
    private WebApplication? _app;

    public CannedServer() : this(null) { }

    /// <param name="listen">More listener settings, e.g. TLS (<see cref="CannedTlsServer"/>).</param>
    protected CannedServer(Action<ListenOptions>? listen) => _listen = listen;

    public Uri Address { get; private set; } = null!;

    /// <summary>The last request each method received, keyed by method name.</summary>
    public ConcurrentDictionary<string, Google.Protobuf.IMessage> Requests { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            _listen?.Invoke(l);
        }));
        builder.Services.AddTallyGrpc();
        builder.Services.AddSingleton(this);
        builder.Services.AddSingleton<CannedQueryService>();
        builder.Services.AddSingleton<CannedDefinitionService>();
        builder.Services.AddSingleton<CannedHealthService>();
        builder.Services.AddSingleton<CannedIngestionService>();
        _app = builder.Build();
        _app.MapGrpcService<CannedQueryService>();
        _app.MapGrpcService<CannedDefinitionService>();
        _app.MapGrpcService<CannedHealthService>();
        _app.MapGrpcService<CannedIngestionService>();
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

internal sealed class CannedQueryService(CannedServer server) : QueryService.QueryServiceBase
{
    public override async Task<Answer> Ask(AskRequest request, ServerCallContext context)
    {
        server.Requests["Ask"] = request;
        if (string.IsNullOrWhiteSpace(request.Question))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the question is empty; ask in 1 to 500 characters"));
        }
        if (request.Question == "wait forever")
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        var answer = SampleAnswers.Full();
        answer.Question = request.Question;
        return answer;
    }

    public override Task<Answer> GetFigure(GetFigureRequest request, ServerCallContext context)
    {
        server.Requests["GetFigure"] = request;
        if (request.MetricId != "ice-removals")
        {
            throw new RpcException(new Status(StatusCode.NotFound,
                $"unknown metric '{request.MetricId}'; nearest: ice-removals, ice-removals-criminal-history"));
        }
        var answer = SampleAnswers.Full();
        answer.Question = $"{request.MetricId} {request.Period.Label}";
        answer.Resolution = null;
        return Task.FromResult(answer);
    }

    public override Task<GetSeriesResponse> GetSeries(GetSeriesRequest request, ServerCallContext context)
    {
        server.Requests["GetSeries"] = request;
        var response = new GetSeriesResponse { Metric = new MetricDefinition { Id = request.MetricId, Version = 2, Name = "ICE ERO removals" } };
        response.Points.Add(new AnswerFigure { Value = 142580, Period = new Period { Label = "FY2023" }, Unit = "count" });
        response.Points.Add(new AnswerFigure { Value = 271484, Period = new Period { Label = "FY2024" }, Unit = "count" });
        return Task.FromResult(response);
    }

    public override Task<CheckClaimResponse> CheckClaim(CheckClaimRequest request, ServerCallContext context)
    {
        server.Requests["CheckClaim"] = request;
        return Task.FromResult(new CheckClaimResponse
        {
            Verdict = Verdict.Misleading,
            Explanation = "271,484 counts FY2024 removals (Oct 2023-Sep 2024), not calendar 2024.",
            Claimed = new ClaimedFigure { Value = 271484, Text = "271,484 people", Qualifier = Qualifier.Exact },
            Answer = SampleAnswers.Full(),
            ClaimReviewJsonLd = """{"@context":"https://schema.org","@type":"ClaimReview","reviewRating":{"alternateName":"Misleading"}}""",
        });
    }

    public override Task<RenderBriefResponse> RenderBrief(RenderBriefRequest request, ServerCallContext context) =>
        Task.FromResult(new RenderBriefResponse { Markdown = $"# Brief\n\n{request.Answer.Headline}\n\n## References\n\n1. ICE Annual Report" });

    public override Task<Query.V1.ExplainDifferenceResponse> ExplainDifference(Query.V1.ExplainDifferenceRequest request, ServerCallContext context) =>
        Task.FromResult(new Query.V1.ExplainDifferenceResponse
        {
            Summary = $"{request.AMetricId} and {request.BMetricId} count different things.",
            Difference = new Definitions.V1.ExplainDifferenceResponse
            {
                A = new MetricDefinition { Id = request.AMetricId, Version = 1, Name = "A" },
                B = new MetricDefinition { Id = request.BMetricId, Version = 1, Name = "B" },
                Differences = { new PropertyDifference { Property = "statistic_type", AValue = "STOCK", BValue = "FLOW", Code = Caveat.Types.Code.StockNotFlow } },
            },
        });
}

internal sealed class CannedDefinitionService : MetricDefinitionService.MetricDefinitionServiceBase
{
    private static readonly MetricDefinition Removals = new()
    {
        Id = "ice-removals", Version = 2, Name = "ICE ERO removals", Description = "Removals carried out by ICE ERO in a fiscal year.",
        Counted = new Counted { Kind = CountedKind.Event, Thing = "removal", Unit = CountingUnit.Events },
        Scope = new Scope { Agency = "ICE", Program = "ERO" }, StatisticType = StatisticType.Flow, Additivity = Additivity.Additive,
        PeriodBasis = PeriodBasis.FiscalYearUsFederal, Unit = "count", Aliases = { "deportations", "people deported" },
        Published = new PublishedSource { SourceIds = { "ice-annual-report-fy2024" } },
    };

    public override Task<GetMetricResponse> GetMetric(GetMetricRequest request, ServerCallContext context) =>
        request.MetricId == Removals.Id
            ? Task.FromResult(new GetMetricResponse { Metric = Removals, CatalogVersion = 3 })
            : throw new RpcException(new Status(StatusCode.NotFound, $"unknown metric '{request.MetricId}'; nearest: ice-removals"));

    public override Task<ListMetricsResponse> ListMetrics(ListMetricsRequest request, ServerCallContext context)
    {
        var response = new ListMetricsResponse { CatalogVersion = 3, TotalSize = 1 };
        if (Removals.Id.Contains(request.Text, StringComparison.OrdinalIgnoreCase))
        {
            response.Metrics.Add(Removals);
        }
        return Task.FromResult(response);
    }

    public override Task<ListRelationsResponse> ListRelations(ListRelationsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListRelationsResponse
        {
            Relations =
            {
                new Relation
                {
                    FromMetricId = "ice-removals", ToMetricId = "ice-nondetained-docket-convicted", Type = RelationType.NotInterchangeableWith,
                    Reason = "Removals over a year are not people on the docket on one day.",
                },
            },
        });

    public override Task<UpsertMetricResponse> UpsertMetric(UpsertMetricRequest request, ServerCallContext context) => throw Unimplemented();
    public override Task<ResolveQuestionResponse> ResolveQuestion(ResolveQuestionRequest request, ServerCallContext context) => throw Unimplemented();
    public override Task<Definitions.V1.ExplainDifferenceResponse> ExplainDifference(Definitions.V1.ExplainDifferenceRequest request, ServerCallContext context) => throw Unimplemented();
    public override Task<GetGlossaryResponse> GetGlossary(GetGlossaryRequest request, ServerCallContext context) => throw Unimplemented();

    private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, "not in the canned server"));
}

/// <summary>Health without List: the CLI falls back to one Check per Tally service.</summary>
internal sealed class CannedHealthService : Health.HealthBase
{
    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
        request.Service is "" or "tally.query.v1.QueryService" or "tally.definitions.v1.MetricDefinitionService"
            ? Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving })
            : request.Service == "tally.citations.v1.CitationService"
                ? Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.NotServing })
                : throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{request.Service}'"));

    public override Task<HealthListResponse> List(HealthListRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "List is not implemented"));

    public override Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "Watch is not implemented"));
}
