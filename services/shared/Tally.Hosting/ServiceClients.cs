using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tally.Grpc;
using Tally.Grpc.Interceptors;
using Tally.Security;
using Tally.Hosting.Limits;

namespace Tally.Hosting;

/// <summary>The four Tally services, as other services address them.</summary>
public enum TallyService
{
    Definitions,
    Citations,
    Ingestion,
    Query,
}

/// <summary>
/// Where each service answers, bound from "Tally:Services" (env Tally__Services__Definitions=http://host:port).
/// The embedded default hosts all four on one port and calls itself, over the same gRPC clients.
/// </summary>
public sealed class ServiceAddressOptions
{
    public const string Section = "Tally:Services";
    public const string EmbeddedDefault = "http://127.0.0.1:7400";

    public string? Definitions { get; set; }

    public string? Citations { get; set; }

    public string? Ingestion { get; set; }

    public string? Query { get; set; }

    public string AddressOf(TallyService service) => service switch
    {
        TallyService.Definitions => Definitions,
        TallyService.Citations => Citations,
        TallyService.Ingestion => Ingestion,
        TallyService.Query => Query,
        _ => null,
    } ?? EmbeddedDefault;
}

/// <summary>Registers generated gRPC clients for other Tally services: one channel per address, shared.</summary>
public static class ServiceClientExtensions
{
    public static IServiceCollection AddServiceClient<TClient>(this IServiceCollection services, TallyService service)
        where TClient : class
    {
        services.AddOptions<ServiceAddressOptions>().BindConfiguration(ServiceAddressOptions.Section);
        services.AddTallyTls();
        services.AddTallyLimits(); // the default deadline of every call (Tally:Limits:Deadlines)
        // Credentials on every call (the inbound caller's, or Tally:Auth:ServiceToken); AddTallyAuth registers the rest.
        services.AddTallyAuthOptions();
        services.TryAddSingleton<OutgoingCredentialsInterceptor>();
        services.TryAddSingleton<ServiceChannels>();
        services.TryAddSingleton(sp =>
        {
            var invoker = sp.GetRequiredService<ServiceChannels>().InvokerFor(service);
            return (TClient)Activator.CreateInstance(typeof(TClient), invoker)!;
        });
        return services;
    }

    /// <summary>
    /// One <see cref="GrpcChannel"/> per distinct address; disposed with the container. https:// addresses use Tally:Tls.
    /// Every call goes through <see cref="DefaultDeadlineInterceptor"/> (a default deadline, never past the inbound
    /// call's) and <see cref="OutgoingCredentialsInterceptor"/> (the inbound caller's credentials, or the service token).
    /// </summary>
    private sealed class ServiceChannels(IOptions<ServiceAddressOptions> options, OutgoingTls tls, DefaultDeadlineInterceptor deadlines,
        OutgoingCredentialsInterceptor credentials) : IDisposable
    {
        private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

        public CallInvoker InvokerFor(TallyService service)
        {
            var address = options.Value.AddressOf(service);
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new InvalidOperationException(
                    $"{ServiceAddressOptions.Section}:{service} must be an absolute http:// or https:// address (got '{address}').");
            }

            // Snapshots and answers can be large; the sender's own limits still apply.
            return _channels.GetOrAdd(uri.ToString(), a => GrpcChannel.ForAddress(a, new GrpcChannelOptions
            {
                MaxReceiveMessageSize = 64 * 1024 * 1024,
                SslOptions = uri.Scheme == Uri.UriSchemeHttps ? tls.Create() : null,
            })).CreateCallInvoker().Intercept(deadlines, credentials);
        }

        public void Dispose()
        {
            foreach (var channel in _channels.Values)
            {
                channel.Dispose();
            }
        }
    }
}
