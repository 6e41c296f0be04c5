using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    /// the in-process answer cache (unless an <see cref="IAnswerCache"/> is already registered), the bus consumers
    /// that evict it, counters (meter "Tally.Query") and the gRPC service.
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

        services.TryAddSingleton<IAnswerCache, MemoryAnswerCache>();
        services.TryAddSingleton<VersionSource>();
        services.TryAddSingleton<AnswerGatherer>();
        services.TryAddSingleton<QueryMetrics>();
        services.TryAddSingleton<QueryEngine>();
        services.TryAddSingleton<QueryGrpcService>();

        services.AddBusConsumer<AnswerCacheMetricDefinitionChangedConsumer>();
        services.AddBusConsumer<AnswerCacheSourceIngestedConsumer>();
        services.AddBusConsumer<AnswerCacheFiguresExtractedConsumer>();
        services.AddBusConsumer<AnswerCacheDatasetLoadedConsumer>();
        return builder;
    }

    public static WebApplication MapQueryService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<QueryGrpcService>();
        return app;
    }
}
