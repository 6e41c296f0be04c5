using Tally.Grpc;
using Tally.Query.V1;

namespace Tally.Query.Service;

/// <summary>tally.query.v1.QueryService over <see cref="QueryEngine"/>.</summary>
public sealed class QueryGrpcService(QueryEngine engine) : QueryService.QueryServiceBase
{
    /// <summary>A cached or shared answer goes out as its stored bytes, with only <see cref="ServedFrom"/> serialized here.</summary>
    public override async Task<Answer> Ask(AskRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var served = await engine.AskSerializedAsync(request, context.CancellationToken);
        if (served.Message is { } answer)
        {
            answer.ServedFrom = served.ServedFrom;
            return answer;
        }

        context.ResponsePrefix = served.Payload!.Value;
        return new Answer { ServedFrom = served.ServedFrom };
    }

    public override Task<Answer> GetFigure(GetFigureRequest request, ServerCallContext context) =>
        engine.GetFigureAsync(request, context.CancellationToken);

    public override Task<GetSeriesResponse> GetSeries(GetSeriesRequest request, ServerCallContext context) =>
        engine.GetSeriesAsync(request, context.CancellationToken);

    public override Task<CheckClaimResponse> CheckClaim(CheckClaimRequest request, ServerCallContext context) =>
        engine.CheckClaimAsync(request, context.CancellationToken);

    public override Task<RenderBriefResponse> RenderBrief(RenderBriefRequest request, ServerCallContext context) =>
        engine.RenderBriefAsync(request, context.CancellationToken);

    public override Task<ExplainDifferenceResponse> ExplainDifference(ExplainDifferenceRequest request, ServerCallContext context) =>
        engine.ExplainDifferenceAsync(request, context.CancellationToken);
}
