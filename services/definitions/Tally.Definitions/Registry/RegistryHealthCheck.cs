using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tally.Definitions.Registry;

/// <summary>Ready once the registry's read model is loaded.</summary>
public sealed class RegistryHealthCheck(DefinitionRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.IsLoaded
            ? HealthCheckResult.Healthy($"catalog version {registry.Current.CatalogVersion}, {registry.Current.Metrics.Count} metrics")
            : HealthCheckResult.Unhealthy("the metric registry is still loading"));
}
