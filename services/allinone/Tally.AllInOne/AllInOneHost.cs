using Tally.Citations;
using Tally.Definitions;
using Tally.Hosting;
using Tally.Ingestion;
using Tally.Messaging;
using Tally.Query;

namespace Tally.AllInOne;

/// <summary>
/// All four services in one process. Inter-service calls still go through the generated gRPC clients, to
/// this same process's gRPC port; only the bus (in-memory), cache (in-process) and storage (SQLite) differ
/// from the distributed mode. Tests build it with their own configuration.
/// </summary>
public static class AllInOneHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Content root = the build output, so appsettings.json is found whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        PointServicesAtSelf(builder);

        builder.AddServiceDefaults();
        builder.AddDefinitionsService();
        builder.AddCitationsService();
        builder.AddIngestionService();
        builder.AddQueryService();
        builder.Services.AddTallyBus(builder.Configuration);

        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapDefinitionsService();
        app.MapCitationsService();
        app.MapIngestionService();
        app.MapQueryService();
        return app;
    }

    /// <summary>
    /// Unless configured otherwise, every service client calls this process's own gRPC port. With Tally:Tls:Enabled
    /// that is https://localhost:port (the certificate must name localhost; docs/security.md), unless the port is bound
    /// to one other address.
    /// </summary>
    private static void PointServicesAtSelf(WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var bind = config["Tally:Host:BindAddress"] is { Length: > 0 } b && b != "*" ? b : "127.0.0.1";
        var port = config["Tally:Host:GrpcPort"] is { Length: > 0 } p ? p : "7400";
        var tls = bool.TryParse(config["Tally:Tls:Enabled"], out var enabled) && enabled;
        var anyOrLoopback = bind is "127.0.0.1" or "0.0.0.0" or "::" or "::1";
        var self = !tls ? $"http://{bind}:{port}"
            : anyOrLoopback ? $"https://localhost:{port}"
            : $"https://{(bind.Contains(':', StringComparison.Ordinal) ? $"[{bind}]" : bind)}:{port}";
        var defaults = new Dictionary<string, string?>();
        foreach (var service in Enum.GetNames<TallyService>())
        {
            if (string.IsNullOrEmpty(config[$"{ServiceAddressOptions.Section}:{service}"]))
            {
                defaults[$"{ServiceAddressOptions.Section}:{service}"] = self;
            }
        }

        // One process serves and calls itself: a per-process service token lets its background work (consumers,
        // refresh loops) call its own services whatever Tally:Auth:AnonymousLoopbackRole says.
        if (string.IsNullOrEmpty(config["Tally:Auth:ServiceToken"]))
        {
            defaults["Tally:Auth:ServiceToken"] = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }

        config.AddInMemoryCollection(defaults);
    }
}
