using global::Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tally.Grpc.Services.Health;
using HealthClient = global::Grpc.Health.V1.Health.HealthClient;
using ServingStatus = global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Tally.Grpc.Services.Tests;

public sealed class HealthTests
{
    private const string Mapped = "grpc.testing.UnimplementedService";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Check_WholeServerAfterStart_IsServing()
    {
        await using var host = await TestHost.CreateAsync();
        var response = await new HealthClient(host.Channel).CheckAsync(new HealthCheckRequest { Service = "" });
        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Theory]
    [InlineData(Mapped)]
    [InlineData("grpc.health.v1.Health")]
    [InlineData("grpc.reflection.v1alpha.ServerReflection")]
    [InlineData("tally.query.v1.QueryService")]
    public async Task Check_MappedService_IsServing(string service)
    {
        await using var host = await TestHost.CreateAsync();
        var response = await new HealthClient(host.Channel).CheckAsync(new HealthCheckRequest { Service = service });
        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_NotFoundNamingKnownServices()
    {
        await using var host = await TestHost.CreateAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new HealthClient(host.Channel).CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("no.such.Service", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(Mapped, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetStatus_MappedServiceNotServing_CheckReportsItAndClearRestoresDefault()
    {
        await using var host = await TestHost.CreateAsync();
        var client = new HealthClient(host.Channel);
        host.Health.SetStatus(Mapped, ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, (await client.CheckAsync(new HealthCheckRequest { Service = Mapped })).Status);
        Assert.Equal(ServingStatus.Serving, (await client.CheckAsync(new HealthCheckRequest { Service = "" })).Status);
        Assert.True(host.Health.ClearStatus(Mapped));
        Assert.Equal(ServingStatus.Serving, (await client.CheckAsync(new HealthCheckRequest { Service = Mapped })).Status);
    }

    [Fact]
    public async Task SetStatus_NameNotMapped_BecomesKnown()
    {
        await using var host = await TestHost.CreateAsync();
        host.Health.SetStatus("tally.custom.Component", ServingStatus.Serving);
        var response = await new HealthClient(host.Channel).CheckAsync(new HealthCheckRequest { Service = "tally.custom.Component" });
        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_ReadinessCheckFails_WholeServerAndMappedServicesNotServing()
    {
        var ready = new ReadyFlag { Ready = false };
        await using var host = await TestHost.CreateAsync(services => AddFlagCheck(services, ready));
        var client = new HealthClient(host.Channel);
        Assert.Equal(ServingStatus.NotServing, (await client.CheckAsync(new HealthCheckRequest { Service = "" })).Status);
        Assert.Equal(ServingStatus.NotServing, (await client.CheckAsync(new HealthCheckRequest { Service = Mapped })).Status);
        ready.Ready = true;
        Assert.Equal(ServingStatus.Serving, (await client.CheckAsync(new HealthCheckRequest { Service = "" })).Status);
        Assert.Equal(ServingStatus.Serving, (await client.CheckAsync(new HealthCheckRequest { Service = Mapped })).Status);
    }

    [Fact]
    public async Task Check_Liveness_ServingWhileReadinessFails()
    {
        var ready = new ReadyFlag { Ready = false };
        await using var host = await TestHost.CreateAsync(services => AddFlagCheck(services, ready));
        var client = new HealthClient(host.Channel);
        Assert.Equal(ServingStatus.NotServing, (await client.CheckAsync(new HealthCheckRequest { Service = "" })).Status);
        Assert.Equal(ServingStatus.Serving, (await client.CheckAsync(new HealthCheckRequest { Service = "liveness" })).Status);
    }

    [Fact]
    public async Task List_ReturnsWholeServerMappedAndSetNames()
    {
        await using var host = await TestHost.CreateAsync();
        host.Health.SetStatus("tally.custom.Component", ServingStatus.NotServing);
        var response = await new HealthClient(host.Channel).ListAsync(new HealthListRequest());
        Assert.Equal(ServingStatus.Serving, response.Statuses[""].Status);
        Assert.Equal(ServingStatus.Serving, response.Statuses[Mapped].Status);
        Assert.Equal(ServingStatus.Serving, response.Statuses["grpc.health.v1.Health"].Status);
        Assert.Equal(ServingStatus.NotServing, response.Statuses["tally.custom.Component"].Status);
    }

    [Fact]
    public async Task Watch_MappedService_SendsCurrentStatusThenEachChange()
    {
        await using var host = await TestHost.CreateAsync();
        using var call = new HealthClient(host.Channel).Watch(new HealthCheckRequest { Service = Mapped });
        Assert.Equal(ServingStatus.Serving, await NextAsync(call));
        host.Health.SetStatus(Mapped, ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, await NextAsync(call));
        host.Health.SetStatus(Mapped, ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await NextAsync(call));
    }

    [Fact]
    public async Task Watch_UnknownService_ServiceUnknownUntilSet()
    {
        await using var host = await TestHost.CreateAsync();
        using var call = new HealthClient(host.Channel).Watch(new HealthCheckRequest { Service = "later.Service" });
        Assert.Equal(ServingStatus.ServiceUnknown, await NextAsync(call));
        host.Health.SetStatus("later.Service", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await NextAsync(call));
    }

    [Fact]
    public async Task Watch_ReadinessChanges_DeliveredByThePoll()
    {
        var ready = new ReadyFlag { Ready = true };
        await using var host = await TestHost.CreateAsync(services => AddFlagCheck(services, ready),
            health: o => o.ReadinessPollInterval = TimeSpan.FromMilliseconds(50));
        using var call = new HealthClient(host.Channel).Watch(new HealthCheckRequest { Service = "" });
        Assert.Equal(ServingStatus.Serving, await NextAsync(call));
        ready.Ready = false;
        Assert.Equal(ServingStatus.NotServing, await NextAsync(call));
        ready.Ready = true;
        Assert.Equal(ServingStatus.Serving, await NextAsync(call));
    }

    [Fact]
    public async Task Watch_HostStops_SendsNotServingThenEndsUnavailable()
    {
        var host = await TestHost.CreateAsync();
        try
        {
            using var call = new HealthClient(host.Channel).Watch(new HealthCheckRequest { Service = "" });
            Assert.Equal(ServingStatus.Serving, await NextAsync(call));
            var stopping = host.App.StopAsync();
            Assert.Equal(ServingStatus.NotServing, await NextAsync(call));
            var end = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
            Assert.Equal(StatusCode.Unavailable, end.StatusCode);
            await stopping.WaitAsync(TimeSpan.FromSeconds(60)); // a watch left open would hold the shutdown
            Assert.Equal(ServingStatus.NotServing, host.Health.GetStatus(Mapped));
            host.Health.SetStatus(Mapped, ServingStatus.Serving);
            Assert.Equal(ServingStatus.NotServing, host.Health.GetStatus(Mapped));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task StatusManager_BeforeHostStarts_EverythingNotServingAndUnknownIsNull()
    {
        await using var host = await TestHost.CreateAsync(start: false);
        Assert.False(host.Health.IsServing);
        Assert.Equal(ServingStatus.NotServing, host.Health.GetStatus(""));
        Assert.Equal(ServingStatus.NotServing, host.Health.GetStatus(Mapped));
        host.Health.SetStatus("x.Y", ServingStatus.Serving);
        Assert.Equal(ServingStatus.NotServing, host.Health.GetStatus("x.Y"));
        Assert.Null(host.Health.GetStatus("not.Known"));
    }

    [Fact]
    public void SetStatus_ServiceUnknown_Rejected()
    {
        var manager = new HealthStatusManager();
        Assert.Throws<ArgumentException>(() => manager.SetStatus("a.B", ServingStatus.ServiceUnknown));
    }

    private static async Task<ServingStatus> NextAsync(AsyncServerStreamingCall<HealthCheckResponse> call)
    {
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound), "the watch ended early");
        return call.ResponseStream.Current.Status;
    }

    private static void AddFlagCheck(IServiceCollection services, ReadyFlag flag) =>
        services.AddHealthChecks().AddCheck("flag", () => flag.Ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("flag is down"));

    private sealed class ReadyFlag
    {
        private volatile bool _ready;

        public bool Ready
        {
            get => _ready;
            set => _ready = value;
        }
    }
}
