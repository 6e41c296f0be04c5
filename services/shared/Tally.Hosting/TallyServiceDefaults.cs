using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Configuration;
using Tally.Grpc;
using Tally.Access.V1;
using Tally.Grpc.Services;
using Tally.Messaging;
using Tally.Security;
using Tally.Hosting.Limits;
using Tally.Telemetry;

namespace Tally.Hosting;

/// <summary>What every Tally service host has in common. Program.cs: AddServiceDefaults() … MapServiceDefaults().</summary>
public static partial class TallyServiceDefaults
{
    /// <summary>Health checks with this tag run for liveness (/healthz); every check runs for readiness (/readyz).</summary>
    public const string LiveTag = "live";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var applicationName = builder.Environment.ApplicationName;

        services.AddOptions<TallyHostOptions>()
            .BindConfiguration(TallyHostOptions.SectionName)
            .PostConfigure(o => o.ServiceName ??= applicationName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TallyHostOptions>, TallyHostOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, TallyPortMatcherPolicy>());

        services.AddTallyTelemetry();
        services.AddOptions<TelemetryOptions>().BindConfiguration("Tally:Telemetry");

        // Liveness is "the process answers"; readiness checks are added by each service with AddHealthChecks().AddCheck(...).
        services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), tags: [LiveTag]);

        builder.Logging.ClearProviders().AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });

        // Tally:Tls: TLS on the gRPC port and for calls to https:// service addresses (GrpcPortTls, OutgoingTls).
        services.AddTallyTls();
        builder.WebHost.ConfigureKestrel((_, kestrel) =>
        {
            var host = kestrel.ApplicationServices.GetRequiredService<IOptions<TallyHostOptions>>().Value;
            var tls = kestrel.ApplicationServices.GetRequiredService<GrpcPortTls>();
            // h2c (cleartext HTTP/2 with prior knowledge), or with Tally:Tls:Enabled HTTP/2 over TLS (ALPN h2).
            Listen(kestrel, host, host.GrpcPort, HttpProtocols.Http2, tls.Configure);
            // Always plaintext: kubelet probes and Prometheus scrape it without certificates (docs/security.md).
            Listen(kestrel, host, host.HttpPort, HttpProtocols.Http1);
        });

        // Who may call what (docs/security.md): checked first, before any handler or other interceptor runs.
        // API keys are checked by the definitions service; the others ask it (it replaces this registration with its store).
        services.AddServiceClient<AccessService.AccessServiceClient>(TallyService.Definitions);
        services.TryAddSingleton<IApiKeyVerifier, RemoteApiKeyVerifier>();
        services.AddPerInstanceBusConsumer<ApiKeyRevokedConsumer>(ApiKeyRevokedConsumer.Endpoint); // a revoked key stops passing at once
        services.AddTallyAuth();

        services.AddTallyLimits(); // Tally:Limits (docs/security.md, "Limits")
        services.AddTallyGrpc(o =>
        {
            builder.Configuration.GetSection("Tally:Grpc").Bind(o);
            o.Interceptors.Add<AuthorizationInterceptor>();
            o.Interceptors.Add<TransientStorageFailureInterceptor>();
            // Per-caller rate limits partition by HttpContext.User: keep this after the authentication interceptor.
            o.Interceptors.Add<RateLimitInterceptor>();
            o.Interceptors.Add<InboundCallInterceptor>(); // outgoing calls never outlive the inbound call (DefaultDeadlineInterceptor)
        });
        services.AddGrpcHealthAndReflection();
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPrometheusMetrics("/metrics").RequireHttpPort();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) }).RequireHttpPort();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { ResponseWriter = WriteReadinessAsync }).RequireHttpPort();

        // grpc.health.v1.Health (same verdict as /readyz, for native grpc: probes) and server reflection (Tally:Host:Reflection), on the gRPC port.
        app.MapGrpcHealthAndReflection(app.Services.GetRequiredService<IOptions<TallyHostOptions>>().Value.Reflection);

        var host = app.Services.GetRequiredService<IOptions<TallyHostOptions>>();
        var tls = app.Services.GetRequiredService<IOptions<TallyTlsOptions>>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tally.Hosting");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var o = host.Value;
            LogListening(logger, o.ServiceName!, o.BindAddress, tls.Value.Describe(), o.GrpcPort, o.HttpPort);
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{ServiceName} listening on {BindAddress}: gRPC ({GrpcTransport}) port {GrpcPort}, HTTP port {HttpPort} (/metrics /healthz /readyz)")]
    private static partial void LogListening(ILogger logger, string serviceName, string bindAddress, string grpcTransport, int grpcPort, int httpPort);

    private static void Listen(KestrelServerOptions kestrel, TallyHostOptions host, int port, HttpProtocols protocols, Action<ListenOptions>? tls = null)
    {
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            tls?.Invoke(listen);
        }
        if (host.BindAddress == "*") kestrel.ListenAnyIP(port, Configure);
        else kestrel.Listen(IPAddress.Parse(host.BindAddress), port, Configure);
    }

    /// <summary>{"status":"Unhealthy","checks":{"db":{"status":"Unhealthy","description":"…"}}}</summary>
    private static async Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                if (entry.Description is not null) json.WriteString("description", entry.Description);
                else if (entry.Exception is not null) json.WriteString("description", entry.Exception.Message);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }
}
