using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.Query.Composition;

namespace Tally.Query.Service;

/// <summary>
/// Everything the composer needs, fetched from the other services over their gRPC clients: the resolution
/// (ResolveQuestion), the registry (ListMetrics + ListRelations, kept per catalog version), figures (ListFigures per
/// metric, in parallel) and formatted references (FormatReferences, in the composer's order of first use).
/// </summary>
public sealed partial class AnswerGatherer(
    MetricDefinitionService.MetricDefinitionServiceClient definitions,
    IngestionService.IngestionServiceClient ingestion,
    CitationService.CitationServiceClient citations,
    IOptions<QueryOptions> options,
    ILogger<AnswerGatherer> logger) : IDisposable
{
    private readonly SemaphoreSlim _registryLock = new(1, 1);
    private RegistryView? _registry;

    private DateTime Deadline => DateTime.UtcNow + options.Value.CallTimeout;

    public async Task<ResolveQuestionResponse> ResolveAsync(string question, CancellationToken cancellationToken) =>
        await definitions.ResolveQuestionAsync(
            new ResolveQuestionRequest { Question = question, MaxCandidates = options.Value.MaxCandidates },
            deadline: Deadline, cancellationToken: cancellationToken);

    /// <summary>
    /// The registry at <paramref name="catalogVersion"/> or newer, read once per catalog version (0: whatever is held,
    /// read on first use).
    /// </summary>
    public async Task<RegistryView> RegistryAsync(int catalogVersion, CancellationToken cancellationToken)
    {
        if (_registry is { } cached && cached.CatalogVersion >= catalogVersion)
        {
            return cached;
        }

        await _registryLock.WaitAsync(cancellationToken);
        try
        {
            if (_registry is { } again && again.CatalogVersion >= catalogVersion)
            {
                return again;
            }

            var metrics = new List<MetricDefinition>();
            var version = 0;
            var token = string.Empty;
            for (var page = 0; page < 1000; page++)
            {
                var response = await definitions.ListMetricsAsync(new ListMetricsRequest { PageSize = 1000, PageToken = token }, deadline: Deadline, cancellationToken: cancellationToken);
                metrics.AddRange(response.Metrics);
                version = Math.Max(version, response.CatalogVersion);
                token = response.NextPageToken;
                if (string.IsNullOrEmpty(token))
                {
                    break;
                }
            }

            var relations = new List<Relation>();
            token = string.Empty;
            for (var page = 0; page < 1000; page++)
            {
                var response = await definitions.ListRelationsAsync(new ListRelationsRequest { PageSize = 1000, PageToken = token }, deadline: Deadline, cancellationToken: cancellationToken);
                relations.AddRange(response.Relations);
                token = response.NextPageToken;
                if (string.IsNullOrEmpty(token))
                {
                    break;
                }
            }

            _registry = new RegistryView(version, metrics, relations);
            return _registry;
        }
        finally
        {
            _registryLock.Release();
        }
    }

    /// <summary>Figures of each metric (every review state but REJECTED), fetched in parallel.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<Figure>>> FiguresAsync(IEnumerable<string> metricIds, CancellationToken cancellationToken)
    {
        var ids = metricIds.Distinct(StringComparer.Ordinal).ToList();
        var lists = await Task.WhenAll(ids.Select(id => FiguresOfAsync(id, cancellationToken)));
        return ids.Zip(lists).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal);
    }

    private async Task<IReadOnlyList<Figure>> FiguresOfAsync(string metricId, CancellationToken cancellationToken)
    {
        var figures = new List<Figure>();
        var token = string.Empty;
        for (var page = 0; page < 100; page++)
        {
            var response = await ingestion.ListFiguresAsync(new ListFiguresRequest { MetricId = metricId, PageSize = 1000, PageToken = token }, deadline: Deadline, cancellationToken: cancellationToken);
            figures.AddRange(response.Figures.Where(f => f.ReviewState != ReviewState.Rejected));
            token = response.NextPageToken;
            if (string.IsNullOrEmpty(token))
            {
                break;
            }
        }

        return figures;
    }

    /// <summary>
    /// What the ingestion service computes for the computed metrics among <paramref name="metricIds"/>, every year its
    /// dataset covers (ComputeMetric, in parallel). When ingestion cannot compute one (down, or an error), the metric's
    /// entry says so (loaded = false, with the reason) and the answer treats it as not available yet.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ComputeMetricResponse>> ComputedAsync(RegistryView registry, IEnumerable<string> metricIds, CancellationToken cancellationToken)
    {
        var metrics = metricIds.Distinct(StringComparer.Ordinal).Select(registry.Find)
            .OfType<MetricDefinition>().Where(m => m.ValueSourceCase == MetricDefinition.ValueSourceOneofCase.Computed).ToList();
        if (metrics.Count == 0)
        {
            return new Dictionary<string, ComputeMetricResponse>(StringComparer.Ordinal);
        }

        var responses = await Task.WhenAll(metrics.Select(m => ComputeOneAsync(m, cancellationToken)));
        return metrics.Zip(responses).ToDictionary(x => x.First.Id, x => x.Second, StringComparer.Ordinal);
    }

    private async Task<ComputeMetricResponse> ComputeOneAsync(MetricDefinition metric, CancellationToken cancellationToken)
    {
        try
        {
            return await ingestion.ComputeMetricAsync(new ComputeMetricRequest
            {
                MetricId = metric.Id,
                DefinitionVersion = metric.Version,
                Computation = metric.Computed,
                Unit = metric.Unit,
            }, deadline: Deadline, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
        {
            LogComputeFailed(logger, metric.Id, e.StatusCode, e.Status.Detail);
            return new ComputeMetricResponse
            {
                Dataset = metric.Computed.Dataset,
                Table = metric.Computed.Table,
                Loaded = false,
                Message = $"The ingestion service could not compute it ({e.StatusCode}: {e.Status.Detail}).",
            };
        }
    }

    /// <summary>
    /// Numbered references for the composer's citations. When the citation service cannot format them (down, or a
    /// citation it does not know), references are built from the citations themselves and the answer says so.
    /// </summary>
    public async Task<(IReadOnlyList<Reference> References, bool Formatted)> ReferencesAsync(IReadOnlyList<Citation> cited, CancellationToken cancellationToken)
    {
        if (cited.Count == 0)
        {
            return ([], true);
        }

        if (cited.All(c => !string.IsNullOrEmpty(c.Id)))
        {
            try
            {
                var request = new FormatReferencesRequest { Format = ReferenceFormat.Markdown };
                request.CitationIds.AddRange(cited.Select(c => c.Id));
                var response = await citations.FormatReferencesAsync(request, deadline: Deadline, cancellationToken: cancellationToken);
                return (response.References, true);
            }
            catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
            {
                LogFallback(logger, e.StatusCode, e.Status.Detail);
            }
        }

        return (AnswerComposer.FallbackReferences(cited), false);
    }

    /// <summary>One metric at its current version, with the catalog version it was read at (NOT_FOUND passes through).</summary>
    public async Task<(MetricDefinition Metric, int CatalogVersion)> GetMetricAsync(string metricId, CancellationToken cancellationToken)
    {
        var response = await definitions.GetMetricAsync(new GetMetricRequest { MetricId = metricId }, deadline: Deadline, cancellationToken: cancellationToken);
        return (response.Metric, response.CatalogVersion);
    }

    public async Task<Tally.Definitions.V1.ExplainDifferenceResponse> ExplainDifferenceAsync(string a, string b, CancellationToken cancellationToken) =>
        await definitions.ExplainDifferenceAsync(new Tally.Definitions.V1.ExplainDifferenceRequest { AMetricId = a, BMetricId = b }, deadline: Deadline, cancellationToken: cancellationToken);

    public void Dispose() => _registryLock.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "ComputeMetric for {MetricId} failed ({Code}: {Detail}); the answer says no figure is available")]
    private static partial void LogComputeFailed(ILogger logger, string metricId, StatusCode code, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "FormatReferences failed ({Code}: {Detail}); references are built from the citations themselves")]
    private static partial void LogFallback(ILogger logger, StatusCode code, string detail);
}
