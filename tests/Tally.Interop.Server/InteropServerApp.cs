using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tally.Grpc;
using Tally.Grpc.Services;

namespace Tally.Interop;

/// <summary>How the interop server listens.</summary>
public sealed class InteropServerOptions
{
    /// <summary>TCP port on <see cref="BindAddress"/>; 0 picks a free one.</summary>
    public int Port { get; set; } = 7450;

    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>Compress every response with gzip when the client accepts it.</summary>
    public bool GzipResponses { get; set; }

    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Warning;
}

/// <summary>The interop server: TestService, Health and ServerReflection on one h2c port.</summary>
public static class InteropServerApp
{
    public static WebApplication Build(InteropServerOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.MinimumLogLevel);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(options.BindAddress, options.Port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddTallyGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 16 * 1024 * 1024;
            grpc.ResponseCompressionAlgorithm = options.GzipResponses ? "gzip" : null;
        });
        builder.Services.AddGrpcHealthAndReflection();
        var app = builder.Build();
        app.MapGrpcService<InteropTestService>();
        app.MapGrpcHealthAndReflection();
        return app;
    }

    /// <summary>The address a started app listens on, e.g. http://127.0.0.1:7450.</summary>
    public static Uri GetAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        return new Uri(addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The interop server is not listening yet."));
    }
}
