using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tally.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="PrometheusExporter"/> that starts listening when the host starts
    /// (before any hosted service or request runs), plus <see cref="IMeterFactory"/>.
    /// </summary>
    public static IServiceCollection AddTallyTelemetry(this IServiceCollection services, Action<TelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        var options = services.AddOptions<TelemetryOptions>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(sp => new PrometheusExporter(
            sp.GetRequiredService<IOptions<TelemetryOptions>>().Value, sp.GetRequiredService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ExporterActivator>());
        return services;
    }

    /// <summary>Serves the scrape at <paramref name="pattern"/> (GET).</summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(pattern, static async (HttpContext context, PrometheusExporter exporter) =>
        {
            context.Response.ContentType = PrometheusExporter.ContentType;
            context.Response.Headers.CacheControl = "no-store";
            await exporter.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }).WithDisplayName("Prometheus metrics").ExcludeFromDescription();
    }

    /// <summary>Creates the exporter as the host starts, so measurements made before the first scrape count.</summary>
    private sealed class ExporterActivator(IServiceProvider services) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<PrometheusExporter>();
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
