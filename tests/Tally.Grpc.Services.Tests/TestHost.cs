using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tally.Grpc.Services.Health;

namespace Tally.Grpc.Services.Tests;

/// <summary>A real Kestrel server (h2c, 127.0.0.1, dynamic port) with health and reflection and a few mapped services.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private TestHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
    }

    public WebApplication App { get; }
    public Uri Address { get; }
    public GrpcChannel Channel { get; }
    public HealthStatusManager Health => App.Services.GetRequiredService<HealthStatusManager>();

    /// <summary>Builds the app; <paramref name="start"/> false leaves it built but not started.</summary>
    public static async Task<TestHost> CreateAsync(Action<IServiceCollection>? services = null, bool start = true,
        Action<GrpcHealthOptions>? health = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2));
        builder.Services.AddTallyGrpc();
        builder.Services.AddGrpcHealthAndReflection(health);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGrpcService<UnimplementedTestService>();
        app.MapGrpcHealthAndReflection();
        // Mapped by descriptor only (no methods): enough for health and reflection to know it, with real imports.
        app.MapGrpcService(ServerServiceDefinition.CreateBuilder(
            global::Tally.Query.V1.QueryService.ServiceName, global::Tally.Query.V1.QueryService.Descriptor).Build());
        if (!start)
        {
            return new TestHost(app, new Uri("http://127.0.0.1:1"));
        }
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new TestHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await App.DisposeAsync();
    }
}

/// <summary>A small real service: grpc.testing.UnimplementedService (its file imports two others).</summary>
internal sealed class UnimplementedTestService : global::Grpc.Testing.UnimplementedService.UnimplementedServiceBase
{
    public override Task<global::Grpc.Testing.Empty> UnimplementedCall(global::Grpc.Testing.Empty request, ServerCallContext context) =>
        Task.FromResult(new global::Grpc.Testing.Empty());
}
