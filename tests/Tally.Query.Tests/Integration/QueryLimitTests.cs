using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tally.AllInOne;
using Tally.Grpc;
using Tally.Hosting.Limits;
using Tally.Query.Tests.Support;
using Tally.Query.V1;
using Tally.Testing;

namespace Tally.Query.Tests.Integration;

/// <summary>
/// The query service's limits in the embedded default over real gRPC: the QueryCompute gate (one computation at a
/// time, no queue) refuses uncached work with RESOURCE_EXHAUSTED while cached answers are still served; question and
/// claim length.
/// </summary>
public sealed class QueryLimitTests : IAsyncLifetime
{
    private const string Question = "How many people did ICE remove in fiscal year 2024?";

    private WebApplication? _app;
    private GrpcChannel? _channel;
    private QueryService.QueryServiceClient _query = null!;

    public async Task InitializeAsync()
    {
        var (grpc, http) = FreePorts.Two();
        var settings = new Dictionary<string, string?>
        {
            ["Tally:Host:GrpcPort"] = grpc.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = http.ToString(CultureInfo.InvariantCulture),
            ["Tally:Storage:InMemory"] = "true",
            ["Tally:Catalog:Directory"] = RepoPaths.BundledCatalog,
            ["Tally:Limits:Concurrency:QueryCompute:MaxConcurrent"] = "1",
            ["Tally:Limits:Concurrency:QueryCompute:MaxQueued"] = "0",
            ["Tally:Query:VersionMaxAge"] = "00:01:00", // one version stamp for the whole test: the cached answer stays findable
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _app = AllInOneHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await _app.StartAsync();
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        _query = new QueryService.QueryServiceClient(_channel.CreateCallInvoker());
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task ComputationsBusy_UncachedAskAndCheckClaimRefused_CachedAnswerStillServed()
    {
        var work = _app!.Services.GetRequiredService<ExpensiveWork>();
        var computed = await _query.AskAsync(new AskRequest { Question = Question });

        RpcException ask, claim;
        Answer cached;
        using (await work.EnterAsync(ExpensiveWorkKind.QueryCompute, CancellationToken.None)) // the one permit is taken
        {
            ask = await Assert.ThrowsAsync<RpcException>(() => _query.AskAsync(new AskRequest { Question = Question, SkipCache = true }));
            claim = await Assert.ThrowsAsync<RpcException>(() => _query.CheckClaimAsync(new CheckClaimRequest { Claim = "ICE removed 1,234 people in 1999." }));
            cached = await _query.AskAsync(new AskRequest { Question = Question });
        }

        var again = await _query.AskAsync(new AskRequest { Question = Question, SkipCache = true });

        Assert.Equal(ServedFrom.Types.Kind.Computed, computed.ServedFrom.Kind);
        Assert.Equal(StatusCode.ResourceExhausted, ask.StatusCode);
        Assert.StartsWith("Server busy, retry", ask.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Tally:Limits:Concurrency:QueryCompute", ask.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.ResourceExhausted, claim.StatusCode);
        Assert.Equal(ServedFrom.Types.Kind.Cache, cached.ServedFrom.Kind);
        Assert.Equal(computed.Status, cached.Status);
        Assert.Equal(ServedFrom.Types.Kind.Computed, again.ServedFrom.Kind);
        Assert.Equal(0, work.Running(ExpensiveWorkKind.QueryCompute));
    }

    [Fact]
    public async Task OverlongClaim_InvalidArgumentSayingTheLimitTheLengthAndTheSetting()
    {
        var claim = "ICE deported " + new string('9', 2000) + " people.";

        var e = await Assert.ThrowsAsync<RpcException>(() => _query.CheckClaimAsync(new CheckClaimRequest { Claim = claim }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains($"The claim is {claim.Length:N0} characters long; the limit is 1,000 characters (Tally:Query:MaxQuestionLength)", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverlongQuestionInRenderBrief_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _query.RenderBriefAsync(new RenderBriefRequest { Question = new string('x', 1001) }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("1,001 characters long", e.Status.Detail, StringComparison.Ordinal);
    }
}
