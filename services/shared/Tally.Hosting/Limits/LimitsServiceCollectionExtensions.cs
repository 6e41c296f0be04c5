using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tally.Grpc.Server;

namespace Tally.Hosting.Limits;

/// <summary>Registration of the limits (idempotent: service defaults and the services that use the gates both call it).</summary>
public static class LimitsServiceCollectionExtensions
{
    /// <summary>
    /// Options "Tally:Limits" (validated at start), the rejection counter, the expensive-work gates, the rate-limit and
    /// inbound-call server interceptors, the default-deadline client interceptor, and validation of "Tally:Grpc".
    /// </summary>
    public static IServiceCollection AddTallyLimits(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(LimitMetrics)))
        {
            return services;
        }

        services.AddMetrics();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>());
        services.AddOptions<GrpcServerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrpcServerOptions>, GrpcServerOptionsValidator>());
        services.TryAddSingleton<LimitMetrics>();
        services.TryAddSingleton<ExpensiveWork>();
        services.TryAddSingleton<RateLimitInterceptor>();
        services.TryAddSingleton<InboundCallInterceptor>();
        services.TryAddSingleton<DefaultDeadlineInterceptor>();
        return services;
    }
}

/// <summary>Checks the gRPC server's message limits ("Tally:Grpc"), after services raised them (ingestion fits its documents).</summary>
internal sealed class GrpcServerOptionsValidator : IValidateOptions<GrpcServerOptions>
{
    private const int Min = 1024;

    public ValidateOptionsResult Validate(string? name, GrpcServerOptions options)
    {
        var failures = new List<string>();
        if (options.MaxReceiveMessageSize is < Min)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"Tally:Grpc:MaxReceiveMessageSize must be at least {Min} bytes, or empty for no limit (got {options.MaxReceiveMessageSize})"));
        }

        if (options.MaxSendMessageSize is < Min)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"Tally:Grpc:MaxSendMessageSize must be at least {Min} bytes, or empty for no limit (got {options.MaxSendMessageSize})"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
