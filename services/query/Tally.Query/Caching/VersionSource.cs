using Microsoft.Extensions.Options;
using Tally.Definitions.V1;
using Tally.Ingestion.V1;

namespace Tally.Query.Caching;

/// <summary>
/// The versions cache keys depend on: the catalog version (a one-item ListMetrics) and each dataset's newest vintage
/// (ListDatasets), read in parallel.
/// <para>
/// With <see cref="QueryOptions.VersionMaxAge"/> above zero a stamp is reused until it is that old (docs/adr/0001):
/// bus events call <see cref="Invalidate"/> the moment a definition or dataset changes, and the age bounds how long a
/// lost event could go unnoticed. Once a stamp is half its allowed age, the next request starts a background re-read
/// and keeps using the current stamp, so under steady traffic no request waits for the other services. Concurrent
/// readers share one read. A read that started before an invalidation is used by the requests that waited for it but
/// is not kept, so an event is never undone by a slow read.
/// </para>
/// With a zero age every request reads the versions (no staleness at all, one round trip per request).
/// </summary>
public sealed class VersionSource(
    MetricDefinitionService.MetricDefinitionServiceClient definitions,
    IngestionService.IngestionServiceClient ingestion,
    IOptions<QueryOptions> options,
    TimeProvider clock)
{
    private static readonly TimeSpan UnsupportedRecheck = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private Held? _last;
    private Task<VersionStamp>? _reading;
    private long _readingGeneration = -1;
    private long _generation;
    private long _reads;
    private DateTimeOffset _datasetsUnsupportedUntil = DateTimeOffset.MinValue;

    /// <summary>Forgets the held stamp: the next request reads the versions again.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _generation++;
            _last = null;
        }
    }

    /// <summary>
    /// Something was read at <paramref name="catalogVersion"/> (an answer's resolution): a held stamp naming an older
    /// catalog is forgotten, as if its event had arrived, and so is a read that may have begun before that catalog.
    /// </summary>
    public void Saw(int catalogVersion)
    {
        lock (_gate)
        {
            if (_last is null || _last.Stamp.CatalogVersion < catalogVersion)
            {
                _generation++;
                _last = null;
            }
        }
    }

    /// <summary>How many times the versions were read from the other services (for tests and diagnostics).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public Task<VersionStamp> GetAsync(CancellationToken cancellationToken)
    {
        var maxAge = options.Value.VersionMaxAge;
        if (maxAge <= TimeSpan.Zero)
        {
            return ReadAsync(cancellationToken);
        }

        Task<VersionStamp> shared;
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (_last is { } last && now - last.ReadAt < maxAge)
            {
                if (now - last.ReadAt >= maxAge / 2 && _reading is null)
                {
                    _readingGeneration = _generation;
                    // Refresh ahead; this request keeps the current stamp. A failed refresh is retried by the next
                    // request and, once the stamp is too old, reported to the requests that wait for it.
                    _reading = StartRead(_generation);
                    _reading.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                }

                return Task.FromResult(last.Stamp);
            }

            // A read begun before the last invalidation may return what the event just made stale: a request that comes
            // after the event never joins it, it starts a read of its own.
            if (_reading is null || _readingGeneration != _generation)
            {
                _reading = StartRead(_generation);
                _readingGeneration = _generation;
            }

            shared = _reading;
        }

        return shared.WaitAsync(cancellationToken);
    }

    // Started off this thread: the read's own clean-up takes the lock, which the caller holds until _reading is set.
    private Task<VersionStamp> StartRead(long generation) => Task.Run(() => ReadAndKeepAsync(generation));

    private async Task<VersionStamp> ReadAndKeepAsync(long generation)
    {
        try
        {
            var readAt = clock.GetUtcNow();
            var stamp = await ReadAsync(CancellationToken.None); // shared by several requests: no one caller's token
            lock (_gate)
            {
                if (_generation == generation)
                {
                    _last = new Held(stamp, readAt);
                }
            }

            return stamp;
        }
        finally
        {
            lock (_gate)
            {
                if (_readingGeneration == generation)
                {
                    _reading = null; // not when a newer generation's read has taken the slot
                }
            }
        }
    }

    private async Task<VersionStamp> ReadAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        var deadline = DateTime.UtcNow + options.Value.CallTimeout;
        var catalog = definitions.ListMetricsAsync(new ListMetricsRequest { PageSize = 1 }, deadline: deadline, cancellationToken: cancellationToken);
        var datasets = ReadDatasetsAsync(deadline, cancellationToken);
        await Task.WhenAll(catalog, datasets);
        return new VersionStamp((await catalog).CatalogVersion, await datasets);
    }

    private async Task<IReadOnlyDictionary<string, string>> ReadDatasetsAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (clock.GetUtcNow() < _datasetsUnsupportedUntil)
        {
            return versions;
        }

        var token = string.Empty;
        for (var page = 0; page < 100; page++)
        {
            ListDatasetsResponse response;
            try
            {
                response = await ingestion.ListDatasetsAsync(new ListDatasetsRequest { PageSize = 1000, PageToken = token }, deadline: deadline, cancellationToken: cancellationToken);
            }
            catch (Grpc.RpcException e) when (e.StatusCode == Grpc.StatusCode.Unimplemented)
            {
                _datasetsUnsupportedUntil = clock.GetUtcNow() + UnsupportedRecheck; // no datasets yet: nothing to depend on; ask again later
                return versions;
            }

            foreach (var dataset in response.Datasets)
            {
                versions[dataset.Id] = dataset.Vintages.Count > 0 ? dataset.Vintages[0].Vintage : string.Empty;
            }

            token = response.NextPageToken;
            if (string.IsNullOrEmpty(token))
            {
                break;
            }
        }

        return versions;
    }

    private sealed record Held(VersionStamp Stamp, DateTimeOffset ReadAt);
}
