using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tally.Citations.V1;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Hosting;
using Tally.Ingestion.V1;
using Tally.Messaging;
using Tally.Query.Caching;
using Tally.Query.Service;

namespace Tally.Query;

/// <summary>Wires the query service into a host: <c>builder.AddQueryService()</c> … <c>app.MapQueryService()</c>.</summary>
public static class QueryServiceExtensions
{
    /// <summary>
    /// Options (Tally:Query), gRPC clients for definitions, ingestion and citations (addresses from Tally:Services),
    /// the answer cache (Tally:Cache: in-process or Redis; unless an <see cref="IAnswerCache"/> is already registered),
    /// the bus consumers that evict it (one endpoint per process), counters (meter "Tally.Query") and the gRPC service.
    /// </summary>
    public static WebApplicationBuilder AddQueryService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<QueryOptions>().BindConfiguration(QueryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddTallyGrpc();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);

        services.AddServiceClient<MetricDefinitionService.MetricDefinitionServiceClient>(TallyService.Definitions);
        services.AddServiceClient<IngestionService.IngestionServiceClient>(TallyService.Ingestion);
        services.AddServiceClient<CitationService.CitationServiceClient>(TallyService.Citations);

        AddAnswerCache(builder);
        services.TryAddSingleton<VersionSource>();
        services.TryAddSingleton<AnswerCacheEviction>();
        services.TryAddSingleton<AnswerGatherer>();
        services.TryAddSingleton<QueryMetrics>();
        services.TryAddSingleton<QueryEngine>();
        services.TryAddSingleton<QueryGrpcService>();

        // Every query process evicts (and refreshes its versions) on every event: one temporary queue per process.
        services.AddPerInstanceBusConsumer<AnswerCacheMetricDefinitionChangedConsumer>(CacheEndpoint);
        services.AddPerInstanceBusConsumer<AnswerCacheSourceIngestedConsumer>(CacheEndpoint);
        services.AddPerInstanceBusConsumer<AnswerCacheFiguresExtractedConsumer>(CacheEndpoint);
        services.AddPerInstanceBusConsumer<AnswerCacheDatasetLoadedConsumer>(CacheEndpoint);
        return builder;
    }

    /// <summary>Name of each query process's own eviction endpoint (queue "&lt;prefix&gt;-query-cache-&lt;instance id&gt;").</summary>
    public const string CacheEndpoint = "query-cache";

    /// <summary>
    /// The answer cache named by Tally:Cache:Provider: "memory" (the default) or "redis" (connected in the background
    /// from host start). Skipped when the host registered an <see cref="IAnswerCache"/> already (tests).
    /// </summary>
    private static void AddAnswerCache(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AnswerCacheOptions>().BindConfiguration(AnswerCacheOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnswerCacheOptions>, AnswerCacheOptionsValidator>());
        if (services.Any(d => d.ServiceType == typeof(IAnswerCache)))
        {
            return;
        }

        if (string.Equals(builder.Configuration[$"{AnswerCacheOptions.Section}:Provider"], "redis", StringComparison.Ordinal))
        {
            services.AddSingleton<RedisAnswerCache>();
            services.AddSingleton<IAnswerCache>(sp => sp.GetRequiredService<RedisAnswerCache>());
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<RedisAnswerCache>());
        }
        else
        {
            services.AddSingleton<IAnswerCache, MemoryAnswerCache>();
        }
    }

    public static WebApplication MapQueryService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<QueryGrpcService>();
        return app;
    }
}
