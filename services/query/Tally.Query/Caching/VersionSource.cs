using Microsoft.Extensions.Options;
using Tally.Definitions.V1;
using Tally.Ingestion.V1;

namespace Tally.Query.Caching;

/// <summary>
/// Reads the versions cache keys depend on: the catalog version (a one-item ListMetrics) and each dataset's newest
/// vintage (ListDatasets), in parallel. With <see cref="QueryOptions.VersionMaxAge"/> above zero the stamp is reused
/// for that long; bus events invalidate it at once.
/// </summary>
public sealed class VersionSource(
    MetricDefinitionService.MetricDefinitionServiceClient definitions,
    IngestionService.IngestionServiceClient ingestion,
    IOptions<QueryOptions> options,
    TimeProvider clock)
{
    private static readonly TimeSpan UnsupportedRecheck = TimeSpan.FromSeconds(30);
    private (VersionStamp Stamp, DateTimeOffset ReadAt)? _last;
    private DateTimeOffset _datasetsUnsupportedUntil = DateTimeOffset.MinValue;

    public void Invalidate() => _last = null;

    public async Task<VersionStamp> GetAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        if (o.VersionMaxAge > TimeSpan.Zero && _last is { } last && now - last.ReadAt < o.VersionMaxAge)
        {
            return last.Stamp;
        }

        var deadline = DateTime.UtcNow + o.CallTimeout;
        var catalog = definitions.ListMetricsAsync(new ListMetricsRequest { PageSize = 1 }, deadline: deadline, cancellationToken: cancellationToken);
        var datasets = ReadDatasetsAsync(deadline, cancellationToken);
        await Task.WhenAll(catalog, datasets);
        var stamp = new VersionStamp((await catalog).CatalogVersion, await datasets);
        _last = (stamp, now);
        return stamp;
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
}
