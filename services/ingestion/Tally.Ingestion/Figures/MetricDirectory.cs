using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Definitions.V1;
using Tally.Grpc;

namespace Tally.Ingestion.Figures;

/// <summary>The metrics to link candidates to, or why there are none (the definition service did not answer).</summary>
internal sealed record MetricSet(IReadOnlyList<MetricDefinition> Metrics, int CatalogVersion, string? Unavailable);

/// <summary>
/// Metric definitions fetched from the metric-definition service through its generated client and cached per
/// catalog version: each use asks for one definition to learn the current catalog version and refetches all
/// only when it changed. When the service does not answer, linking is skipped (logged, and reported to the caller).
/// </summary>
internal sealed partial class MetricDirectory(
    MetricDefinitionService.MetricDefinitionServiceClient client,
    IOptions<IngestionOptions> options,
    ILogger<MetricDirectory> logger) : IDisposable
{
    private const int PageSize = 1000;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private MetricSet? _cached;

    public async Task<MetricSet> GetAsync(CancellationToken ct)
    {
        try
        {
            var probe = await client.ListMetricsAsync(new ListMetricsRequest { PageSize = 1 }, deadline: Deadline(), cancellationToken: ct);
            if (_cached is { } hit && hit.CatalogVersion == probe.CatalogVersion)
            {
                return hit;
            }

            await _refresh.WaitAsync(ct);
            try
            {
                if (_cached is { } again && again.CatalogVersion == probe.CatalogVersion)
                {
                    return again;
                }

                var metrics = new List<MetricDefinition>();
                var token = "";
                var version = probe.CatalogVersion;
                do
                {
                    var page = await client.ListMetricsAsync(new ListMetricsRequest { PageSize = PageSize, PageToken = token }, deadline: Deadline(), cancellationToken: ct);
                    metrics.AddRange(page.Metrics);
                    token = page.NextPageToken;
                    version = page.CatalogVersion;
                }
                while (token.Length > 0);

                _cached = new MetricSet(metrics, version, null);
                return _cached;
            }
            finally
            {
                _refresh.Release();
            }
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            LogUnavailable(logger, ex.StatusCode, ex.Status.Detail);
            return new MetricSet([], 0,
                $"Figure candidates were not linked to metrics: the metric-definition service did not answer ({ex.StatusCode}: {ex.Status.Detail}). " +
                "They are stored unlinked and unreviewed; ingest the document again once the service is up to link them.");
        }
    }

    public void Dispose() => _refresh.Dispose();

    private DateTime Deadline() => DateTime.UtcNow.AddSeconds(options.Value.ServiceCallTimeoutSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric-definition service unavailable ({Code}: {Detail}); figure candidates stay unlinked")]
    private static partial void LogUnavailable(ILogger logger, StatusCode code, string detail);
}
