using System.Security.Claims;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tally.Grpc;
using Tally.Grpc.Interceptors;
using Tally.Grpc.Server;
using Tally.Hosting.Limits;
using HealthClient = Grpc.Health.V1.Health.HealthClient;

namespace Tally.Hosting.Tests;

/// <summary>Limits at the gRPC edge of a real service-defaults host, over real sockets.</summary>
public sealed partial class LimitsTests
{
    private static Dictionary<string, string?> RateSettings(int tokens, bool exemptLoopback = false) => new()
    {
        ["Tally:Limits:RateLimit:TokenLimit"] = tokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Tally:Limits:RateLimit:TokensPerPeriod"] = "1",
        ["Tally:Limits:RateLimit:ReplenishmentPeriod"] = "01:00:00", // no refill during a test
        ["Tally:Limits:RateLimit:ExemptLoopback"] = exemptLoopback ? "true" : "false",
    };

    // ---- message size ----------------------------------------------------------------------------------------

    [Fact]
    public async Task MessageOverTheConfiguredReceiveLimit_ResourceExhaustedNamingTheLimit()
    {
        await using var host = await LimitsHost.StartAsync(new Dictionary<string, string?> { ["Tally:Grpc:MaxReceiveMessageSize"] = "2048" });

        var small = await host.EchoAsync(new string('a', 1000));
        var e = await Assert.ThrowsAsync<RpcException>(() => host.EchoAsync(new string('a', 4000)));

        Assert.Equal(1000, small.Value.Length);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("> 2048 bytes", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ReceiveLimitBelowOneKilobyte_HostRefusesToStartNamingTheSetting()
    {
        var e = Assert.ThrowsAny<Exception>(() =>
        {
            var app = BuildOnly(new Dictionary<string, string?> { ["Tally:Grpc:MaxReceiveMessageSize"] = "10" });
            app.StartAsync().GetAwaiter().GetResult();
        });

        Assert.Contains("Tally:Grpc:MaxReceiveMessageSize must be at least 1024 bytes", e.Message, StringComparison.Ordinal);
    }

    // ---- rate limits -------------------------------------------------------------------------------------------

    [Fact]
    public async Task CallerOverItsBucket_ResourceExhaustedWithRetryAfter_HealthStillAnswers_Counted()
    {
        await using var host = await LimitsHost.StartAsync(RateSettings(tokens: 2));

        await host.EchoAsync("1");
        await host.EchoAsync("2");
        var e = await Assert.ThrowsAsync<RpcException>(() => host.EchoAsync("3"));
        var health = await new HealthClient(host.Invoker).CheckAsync(new HealthCheckRequest());

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("Rate limit exceeded for address 127.0.0.1", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Tally:Limits:RateLimit", e.Status.Detail, StringComparison.Ordinal);
        var retryAfter = e.Trailers.Get(RateLimitInterceptor.RetryAfterTrailer);
        Assert.NotNull(retryAfter);
        Assert.True(long.Parse(retryAfter.Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains($"Retry after {retryAfter.Value} ms", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(1, Counter(await host.ScrapeAsync(), "rate", "rpc"));
    }

    [Fact]
    public async Task AuthenticatedCallers_EachHaveTheirOwnBucket_EvenFromOneAddress()
    {
        await using var host = await LimitsHost.StartAsync(RateSettings(tokens: 1), services: s =>
            s.PostConfigure<GrpcServerOptions>(o => o.Interceptors.Insert(0, _ => new FakeAuthentication()))); // first, as the real one

        await host.EchoAsync("alice 1", As("alice"));
        await host.EchoAsync("bob 1", As("bob"));
        var alice = await Assert.ThrowsAsync<RpcException>(() => host.EchoAsync("alice 2", As("alice")));
        await host.EchoAsync("anonymous 1");

        Assert.Equal(StatusCode.ResourceExhausted, alice.StatusCode);
        Assert.Contains("caller 'alice'", alice.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExemptCaller_ByNameOrAddress_IsNeverLimited()
    {
        var settings = RateSettings(tokens: 1);
        settings["Tally:Limits:RateLimit:ExemptCallers:0"] = "service-query";
        settings["Tally:Limits:RateLimit:ExemptCallers:1"] = "https://idp.example/users/42"; // a JWT subject may hold slashes: a name, not a range
        await using var named = await LimitsHost.StartAsync(settings, services: s =>
            s.PostConfigure<GrpcServerOptions>(o => o.Interceptors.Insert(0, _ => new FakeAuthentication())));
        settings["Tally:Limits:RateLimit:ExemptCallers:0"] = "127.0.0.0/8";
        await using var network = await LimitsHost.StartAsync(settings);

        for (var i = 0; i < 5; i++)
        {
            await named.EchoAsync("x", As("service-query"));
            await network.EchoAsync("x");
        }

        var other = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await named.EchoAsync("x", As("someone"));
            await named.EchoAsync("x", As("someone"));
        });
        Assert.Equal(StatusCode.ResourceExhausted, other.StatusCode);
    }

    [Fact]
    public async Task LoopbackCallers_AreExemptByDefault()
    {
        await using var host = await LimitsHost.StartAsync(new Dictionary<string, string?> { ["Tally:Limits:RateLimit:TokenLimit"] = "1" });

        for (var i = 0; i < 5; i++)
        {
            await host.EchoAsync("x");
        }
    }

    [Fact]
    public void InvalidLimits_HostRefusesToStartNamingEachSetting()
    {
        var e = Assert.ThrowsAny<Exception>(() =>
        {
            var app = BuildOnly(new Dictionary<string, string?>
            {
                ["Tally:Limits:RateLimit:TokenLimit"] = "0",
                ["Tally:Limits:RateLimit:ExemptCallers:0"] = "10.0.0.0/99",
                ["Tally:Limits:Concurrency:QueryCompute:MaxConcurrent"] = "0",
                ["Tally:Limits:Deadlines:Default"] = "00:00:00",
            });
            app.StartAsync().GetAwaiter().GetResult();
        });

        Assert.Contains("Tally:Limits:RateLimit:TokenLimit must be between 1 and 1000000 (got 0)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Tally:Limits:RateLimit:ExemptCallers entry \"10.0.0.0/99\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("Tally:Limits:Concurrency:QueryCompute:MaxConcurrent must be between 1 and 10000 (got 0)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Tally:Limits:Deadlines:Default must lie between", e.Message, StringComparison.Ordinal);
    }

    // ---- concurrency gates ---------------------------------------------------------------------------------------

    [Fact]
    public async Task ExpensiveWork_QueueFull_ResourceExhaustedServerBusy_QueuedCallRunsWhenAPermitFrees()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ExpensiveWork? work = null;
        await using var host = await LimitsHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tally:Limits:Concurrency:ComputeMetric:MaxConcurrent"] = "1",
            ["Tally:Limits:Concurrency:ComputeMetric:MaxQueued"] = "1",
        }, echo: async (request, context) =>
        {
            using (await work!.EnterAsync(ExpensiveWorkKind.ComputeMetric, context.CancellationToken))
            {
                await release.Task.WaitAsync(context.CancellationToken);
                return request;
            }
        });
        work = host.App.Services.GetRequiredService<ExpensiveWork>();

        var running = host.EchoAsync("running");
        await Until(() => work.Running(ExpensiveWorkKind.ComputeMetric) == 1);
        var queued = host.EchoAsync("queued");
        await Until(() => work.Queued(ExpensiveWorkKind.ComputeMetric) == 1);
        var e = await Assert.ThrowsAsync<RpcException>(() => host.EchoAsync("refused"));
        release.SetResult();

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.StartsWith("Server busy, retry", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Tally:Limits:Concurrency:ComputeMetric", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("running", (await running.WaitAsync(TimeSpan.FromSeconds(30))).Value);
        Assert.Equal("queued", (await queued.WaitAsync(TimeSpan.FromSeconds(30))).Value);
        Assert.Equal(1, Counter(await host.ScrapeAsync(), "concurrency", "ComputeMetric"));
        Assert.Equal(0, work.Running(ExpensiveWorkKind.ComputeMetric));
    }

    // ---- deadlines -------------------------------------------------------------------------------------------

    [Fact]
    public async Task ServiceClient_HungPeer_NoDeadlineGiven_DeadlineExceededWithinTheDefault()
    {
        await using var peer = new HungPeer();
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tally:Services:Citations"] = peer.Address,
            ["Tally:Limits:Deadlines:Default"] = "00:00:00.500",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging();
        services.AddServiceClient<HealthClient>(TallyService.Citations);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<HealthClient>();

        var e = await Assert.ThrowsAsync<RpcException>(() => client.CheckAsync(new HealthCheckRequest()).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.True(peer.Connections >= 1, "the call reached the hung peer");
    }

    [Fact]
    public async Task OutgoingCall_NeverOutlivesTheInboundCall_HungPeerEndsAtTheInboundDeadline()
    {
        await using var peer = new HungPeer();
        var outcome = new TaskCompletionSource<StatusCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await LimitsHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tally:Services:Citations"] = peer.Address,
            ["Tally:Limits:Deadlines:Default"] = "00:05:00", // far beyond the bounded wait below: only the inbound deadline can end the call in time
        }, echo: async (request, context) =>
        {
            var client = context.GetHttpContext().RequestServices.GetRequiredService<HealthClient>();
            try
            {
                await client.CheckAsync(new HealthCheckRequest()); // no deadline, no cancellation token: only the interceptor bounds it
                outcome.TrySetResult(StatusCode.OK);
            }
            catch (RpcException e)
            {
                outcome.TrySetResult(e.StatusCode);
            }

            return request;
        }, services: s => s.AddServiceClient<HealthClient>(TallyService.Citations));

        var inbound = await Assert.ThrowsAsync<RpcException>(() => host.EchoAsync("relay", new CallOptions(deadline: DateTime.UtcNow.AddSeconds(1))));

        Assert.Equal(StatusCode.DeadlineExceeded, inbound.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, await outcome.Task.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Theory]
    [InlineData(null, 30, null, 30)]       // none given: the default
    [InlineData(5, 30, null, 5)]           // the caller's own deadline stands
    [InlineData(null, 30, 2, 2)]           // the inbound call's deadline is sooner
    [InlineData(10, 30, 2, 2)]             // even sooner than the caller's own
    [InlineData(null, null, null, null)]   // a stream without a default: none
    [InlineData(null, null, 3, 3)]         // ... unless the inbound call has one
    public void Deadline_IsTheSoonestOfOwnOrDefaultAndInbound(int? ownSeconds, int? defaultSeconds, int? inboundSeconds, int? expectedSeconds)
    {
        var now = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        DateTime? At(int? s) => s is { } v ? now.AddSeconds(v) : null;

        var deadline = DefaultDeadlineInterceptor.Deadline(At(ownSeconds), defaultSeconds is { } d ? TimeSpan.FromSeconds(d) : null, At(inboundSeconds), now);

        Assert.Equal(At(expectedSeconds), deadline);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static CallOptions As(string user) => new(headers: new Metadata { { "x-test-user", user } });

    private static WebApplication BuildOnly(Dictionary<string, string?> settings)
    {
        settings["Tally:Host:GrpcPort"] = LimitsHost.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Tally:Host:HttpPort"] = LimitsHost.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Logging:LogLevel:Default"] = "None";
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        return builder.Build();
    }

    private static async Task Until(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 30 s");
            await Task.Delay(20);
        }
    }

    private static long Counter(string exposition, string limit, string scope)
    {
        var m = Regex.Match(exposition, $@"^tally_limit_rejections_total\{{limit=""{limit}"",scope=""{scope}""\}} (\d+)", RegexOptions.Multiline);
        return m.Success ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Stands in for the authentication interceptor: the x-test-user header becomes HttpContext.User.</summary>
    private sealed class FakeAuthentication : Interceptor
    {
        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            if (context.RequestHeaders.GetValue("x-test-user") is { } user)
            {
                context.GetHttpContext().User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, user)], "test"));
            }

            return continuation(request, context);
        }
    }
}
