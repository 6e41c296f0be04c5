using MassTransit;
using Microsoft.Extensions.Logging;
using Tally.Contracts.Events;

// Every query process runs these on its own temporary endpoint (AddPerInstanceBusConsumer in QueryServiceExtensions):
// each process must see every event, to refresh its versions and evict its in-process cache. With the Redis cache each
// process evicts the same shared tags; eviction is idempotent. Names stay unique across services all the same.

namespace Tally.Query.Caching;

/// <summary>A metric definition changed: the catalog version moved on, so every cached answer is unreachable; free them.</summary>
public sealed partial class AnswerCacheMetricDefinitionChangedConsumer(IAnswerCache cache, VersionSource versions, ILogger<AnswerCacheMetricDefinitionChangedConsumer> logger)
    : IConsumer<MetricDefinitionChanged>
{
    public async Task Consume(ConsumeContext<MetricDefinitionChanged> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        versions.Invalidate();
        await cache.EvictAsync(IAnswerCache.AllTag, context.CancellationToken);
        LogEvicted(logger, context.Message.MetricId, context.Message.Version, context.Message.CatalogVersion);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer cache cleared: metric {MetricId} is now version {Version} (catalog version {CatalogVersion})")]
    private static partial void LogEvicted(ILogger logger, string metricId, int version, int catalogVersion);
}

/// <summary>
/// A document snapshot was stored: figures extracted from it carry no version, so answers may change. When the
/// snapshot is new, drop every cached answer (FiguresExtracted narrows this when it names the metrics).
/// </summary>
public sealed class AnswerCacheSourceIngestedConsumer(IAnswerCache cache) : IConsumer<SourceIngested>
{
    public async Task Consume(ConsumeContext<SourceIngested> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message.IsNewSnapshot)
        {
            await cache.EvictAsync(IAnswerCache.AllTag, context.CancellationToken);
        }
    }
}

/// <summary>Figures were extracted: drop answers that read the metrics they were linked to (all answers when none were named).</summary>
public sealed class AnswerCacheFiguresExtractedConsumer(IAnswerCache cache) : IConsumer<FiguresExtracted>
{
    public async Task Consume(ConsumeContext<FiguresExtracted> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message.MetricIds.Count == 0)
        {
            await cache.EvictAsync(IAnswerCache.AllTag, context.CancellationToken);
            return;
        }

        foreach (var metricId in context.Message.MetricIds)
        {
            await cache.EvictAsync(CacheTags.Metric(metricId), context.CancellationToken);
        }
    }
}

/// <summary>A dataset gained vintages: its version is in every key that read it; free those entries and refresh versions.</summary>
public sealed class AnswerCacheDatasetLoadedConsumer(IAnswerCache cache, VersionSource versions) : IConsumer<DatasetLoaded>
{
    public async Task Consume(ConsumeContext<DatasetLoaded> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        versions.Invalidate();
        await cache.EvictAsync(CacheTags.Dataset(context.Message.DatasetId), context.CancellationToken);
        await cache.EvictAsync(CacheTags.Dataset(context.Message.DatasetName), context.CancellationToken);
    }
}
