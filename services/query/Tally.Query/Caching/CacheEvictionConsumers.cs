using MassTransit;
using Microsoft.Extensions.Logging;
using Tally.Contracts.Events;

// Every query process runs these on its own temporary endpoint (AddPerInstanceBusConsumer in QueryServiceExtensions):
// each process must see every event, to refresh its versions and evict its in-process cache. With the Redis cache each
// process evicts the same shared tags; eviction is idempotent. Names stay unique across services all the same.

namespace Tally.Query.Caching;

/// <summary>
/// What each bus event frees in the answer cache. Events arrive after the change they announce, possibly after an
/// answer computed from the changed state was cached, so each rule frees only what the change can have made stale.
/// </summary>
public sealed partial class AnswerCacheEviction(IAnswerCache cache, VersionSource versions, ILogger<AnswerCacheEviction> logger)
{
    /// <summary>
    /// A metric definition changed: answers cached at an older catalog version are unreachable (the version is in their
    /// keys); free those. Answers already computed at the new catalog version stay.
    /// </summary>
    public async Task DefinitionChangedAsync(MetricDefinitionChanged change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        versions.Invalidate();
        await cache.EvictOlderAsync(IAnswerCache.AllTag, change.CatalogVersion, cancellationToken);
        LogEvicted(logger, change.CatalogVersion, change.MetricId, change.Version);
    }

    /// <summary>
    /// A snapshot was stored: the figures it added or now backs carry no version, so answers that read those metrics are
    /// freed. An event from an older publisher does not name them: then every cached answer is freed.
    /// </summary>
    public async Task SourceIngestedAsync(SourceIngested ingested, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ingested);
        if (!ingested.IsNewSnapshot)
        {
            return;
        }

        if (ingested.FigureMetricIds is not { } metricIds)
        {
            await cache.EvictAsync(IAnswerCache.AllTag, cancellationToken);
            return;
        }

        await EvictMetricsAsync(metricIds, cancellationToken);
    }

    /// <summary>Figures were extracted: free answers that read the metrics they were linked to (figures linked to no metric are in no answer).</summary>
    public Task FiguresExtractedAsync(FiguresExtracted extracted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(extracted);
        return EvictMetricsAsync(extracted.MetricIds, cancellationToken);
    }

    /// <summary>A dataset gained vintages: its version is in every key that read it; free those entries and refresh versions.</summary>
    public async Task DatasetLoadedAsync(DatasetLoaded loaded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        versions.Invalidate();
        await cache.EvictAsync(CacheTags.Dataset(loaded.DatasetId), cancellationToken);
        await cache.EvictAsync(CacheTags.Dataset(loaded.DatasetName), cancellationToken);
    }

    private async Task EvictMetricsAsync(IEnumerable<string> metricIds, CancellationToken cancellationToken)
    {
        foreach (var metricId in metricIds.Where(m => m.Length > 0).Distinct(StringComparer.Ordinal))
        {
            await cache.EvictAsync(CacheTags.Metric(metricId), cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer cache: answers older than catalog version {CatalogVersion} freed (metric {MetricId} is now version {Version})")]
    private static partial void LogEvicted(ILogger logger, int catalogVersion, string metricId, int version);
}

public sealed class AnswerCacheMetricDefinitionChangedConsumer(AnswerCacheEviction eviction) : IConsumer<MetricDefinitionChanged>
{
    public Task Consume(ConsumeContext<MetricDefinitionChanged> context) =>
        eviction.DefinitionChangedAsync((context ?? throw new ArgumentNullException(nameof(context))).Message, context.CancellationToken);
}

public sealed class AnswerCacheSourceIngestedConsumer(AnswerCacheEviction eviction) : IConsumer<SourceIngested>
{
    public Task Consume(ConsumeContext<SourceIngested> context) =>
        eviction.SourceIngestedAsync((context ?? throw new ArgumentNullException(nameof(context))).Message, context.CancellationToken);
}

public sealed class AnswerCacheFiguresExtractedConsumer(AnswerCacheEviction eviction) : IConsumer<FiguresExtracted>
{
    public Task Consume(ConsumeContext<FiguresExtracted> context) =>
        eviction.FiguresExtractedAsync((context ?? throw new ArgumentNullException(nameof(context))).Message, context.CancellationToken);
}

public sealed class AnswerCacheDatasetLoadedConsumer(AnswerCacheEviction eviction) : IConsumer<DatasetLoaded>
{
    public Task Consume(ConsumeContext<DatasetLoaded> context) =>
        eviction.DatasetLoadedAsync((context ?? throw new ArgumentNullException(nameof(context))).Message, context.CancellationToken);
}
