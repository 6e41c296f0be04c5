using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Tally.Grpc;

namespace Tally.Hosting.Tests;

/// <summary>Tally:Host:Reflection: on by default (tools can list the services), off hides it while health stays.</summary>
public sealed class ReflectionSwitchTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    public async Task Reflection_FollowsTheSetting_HealthAlwaysAnswers(string? setting, bool served)
    {
        var settings = new Dictionary<string, string?>();
        if (setting is not null) settings["Tally:Host:Reflection"] = setting;
        await using var host = await TestHost.StartAsync(settings);
        using var channel = GrpcChannel.ForAddress(host.GrpcBase);
        var health = await new Health.HealthClient(channel.CreateCallInvoker()).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        using var call = new ServerReflection.ServerReflectionClient(channel.CreateCallInvoker())
            .ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(10));
        try
        {
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "*" });
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.True(served, "reflection answered although Tally:Host:Reflection is false");
            Assert.Contains(call.ResponseStream.Current.ListServicesResponse.Service, s => s.Name == "grpc.health.v1.Health");
        }
        catch (RpcException e) when (!served)
        {
            Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
        }
    }
}
