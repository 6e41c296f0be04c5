using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tally.Grpc.Server;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Infrastructure;

/// <summary>A real Kestrel server on 127.0.0.1 (dynamic port, HTTP/2 only) hosting the Echo service.</summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    public ServerProbe Probe => _app.Services.GetRequiredService<ServerProbe>();
    public IServiceProvider Services => _app.Services;

    public static async Task<GrpcTestServer> StartAsync(Action<GrpcServerOptions>? configure = null,
        Action<IEndpointRouteBuilder>? map = null, Action<IServiceCollection>? services = null, HttpProtocols protocols = HttpProtocols.Http2)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols));
        builder.Services.AddTallyGrpc(configure);
        builder.Services.AddSingleton<ServerProbe>();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        if (map is null)
        {
            app.MapGrpcService<EchoService>();
        }
        else
        {
            map(app);
        }
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new GrpcTestServer(app, new Uri(address));
    }

    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => GrpcChannel.ForAddress(Address, options);

    public Echo.EchoClient CreateClient(GrpcChannelOptions? options = null) => new(CreateChannel(options));

    /// <summary>A plain call that must succeed: the server is still serving.</summary>
    public async Task AssertServingAsync()
    {
        using var channel = CreateChannel();
        var response = await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { Message = "still serving" });
        Assert.Equal("still serving", response.Message);
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>One default server shared by the tests of a class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public GrpcTestServer Server { get; private set; } = null!;
    public Echo.EchoClient Client { get; private set; } = null!;
    private GrpcChannel? _channel;

    public async Task InitializeAsync()
    {
        Server = await GrpcTestServer.StartAsync();
        _channel = Server.CreateChannel();
        Client = new Echo.EchoClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        await Server.DisposeAsync();
    }
}
