using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tally.Testing;

namespace Tally.Hosting.Tests;

/// <summary>A real service-defaults host on two free loopback ports, stopped on dispose.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    /// <summary>Stands in for a gRPC method until Tally.Grpc is wired in: mapped without a port requirement.</summary>
    public const string FakeGrpcPath = "/tally.test.v1.Probe/Ping";

    /// <summary>On the gRPC port: "IsHttps|client certificate subject" of the request, as handlers see them.</summary>
    public const string WhoAmIPath = "/tally.test.v1.Probe/WhoAmI";

    private TestHost(WebApplication app, int grpcPort, int httpPort)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
    }

    public WebApplication App { get; }
    public int GrpcPort { get; }
    public int HttpPort { get; }
    public Uri GrpcBase => new($"http://127.0.0.1:{GrpcPort}");
    public Uri HttpBase => new($"http://127.0.0.1:{HttpPort}");
    public Uri TlsBase => new($"https://127.0.0.1:{GrpcPort}");

    public static WebApplication Build(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        // Test services are not Tally's: open them here, so these tests exercise their own subject, not authorization.
        builder.Services.Configure<Tally.Security.AdditionalAccessRules>(o =>
        {
            o.Rules["/tally.test.v1.Probe/"] = Tally.Security.AccessRule.Open;
            o.Rules["/tally.test.v1.Limits/"] = Tally.Security.AccessRule.Open;
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapPost(FakeGrpcPath, () => Results.Text("pong"));
        app.MapPost(WhoAmIPath, (HttpContext context) =>
            Results.Text($"{context.Request.IsHttps}|{context.Connection.ClientCertificate?.Subject}"));
        return app;
    }

    public static Task<TestHost> StartAsync(Action<IServiceCollection>? services = null) => StartAsync(new Dictionary<string, string?>(), services);

    /// <summary>A host on two free ports with these settings added (e.g. Tally:Tls:*).</summary>
    public static async Task<TestHost> StartAsync(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var (grpcPort, httpPort) = FreePorts.Two();
        var all = new Dictionary<string, string?>(settings)
        {
            ["Tally:Host:GrpcPort"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        all.TryAdd("Logging:LogLevel:Default", "Warning");
        var app = Build(all, services);
        await app.StartAsync();
        return new TestHost(app, grpcPort, httpPort);
    }

    /// <summary>An HTTP/1.1 request (the HTTP port's protocol).</summary>
    public static HttpRequestMessage Http11(HttpMethod method, Uri uri) =>
        new(method, uri) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    /// <summary>A cleartext HTTP/2 request with prior knowledge (h2c), as gRPC clients send.</summary>
    public static HttpRequestMessage H2c(HttpMethod method, Uri uri) =>
        new(method, uri) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
