using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Tally.Grpc.Services.Health;
using Tally.Grpc.Services.Reflection;

namespace Tally.Grpc.Services;

public static class GrpcStandardServicesExtensions
{
    /// <summary>
    /// Registers grpc.health.v1.Health (with the <see cref="HealthStatusManager"/> singleton and a hosted service that
    /// follows the host's lifetime and readiness checks) and grpc.reflection.v1alpha.ServerReflection.
    /// Settings: section <see cref="GrpcHealthOptions.SectionName"/>, or <paramref name="configureHealth"/>.
    /// </summary>
    public static IServiceCollection AddGrpcHealthAndReflection(this IServiceCollection services, Action<GrpcHealthOptions>? configureHealth = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddTallyGrpc();
        services.AddHealthChecks();
        services.AddOptions<GrpcHealthOptions>().BindConfiguration(GrpcHealthOptions.SectionName);
        if (configureHealth is not null)
        {
            services.Configure(configureHealth);
        }
        services.TryAddSingleton<HealthStatusManager>();
        services.TryAddSingleton<HealthReadinessMonitor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HealthReadinessMonitor>(
            static sp => sp.GetRequiredService<HealthReadinessMonitor>()));
        services.TryAddSingleton<HealthService>();
        services.TryAddSingleton<ReflectionService>();
        return services;
    }

    /// <summary>
    /// Maps grpc.health.v1.Health and grpc.reflection.v1alpha.ServerReflection. Both describe every service mapped
    /// with MapGrpcService, before or after this call.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcHealthAndReflection(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcHealthAndReflection(reflection: true);

    /// <summary>Maps grpc.health.v1.Health, and server reflection unless <paramref name="reflection"/> is false.</summary>
    public static IEndpointConventionBuilder MapGrpcHealthAndReflection(this IEndpointRouteBuilder endpoints, bool reflection)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<HealthReadinessMonitor>() is null)
        {
            throw new InvalidOperationException(
                "gRPC health and reflection are not registered: call services.AddGrpcHealthAndReflection() before MapGrpcHealthAndReflection().");
        }
        return reflection
            ? new Composite([endpoints.MapGrpcService<HealthService>(), endpoints.MapGrpcService<ReflectionService>()])
            : endpoints.MapGrpcService<HealthService>();
    }

    private sealed class Composite(IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
