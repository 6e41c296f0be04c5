using System.Collections.ObjectModel;
using Microsoft.Extensions.DependencyInjection;
using Tally.Grpc.Interceptors;

namespace Tally.Grpc.Server;

/// <summary>Server settings, configured with <c>services.AddTallyGrpc(o => ...)</c>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted (bytes, after decompression); null = no limit. Default 4 MiB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent (bytes); null = no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Put exception type and message into the status of a failed handler (development only).</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>"gzip" to compress responses when the client accepts it; null = never compress.</summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>Server interceptors, outermost first. Created once, when services are mapped.</summary>
    public InterceptorCollection Interceptors { get; } = [];
}

/// <summary>Interceptor registrations: an instance, or a type created from DI.</summary>
public sealed class InterceptorCollection : Collection<Func<IServiceProvider, Interceptor>>
{
    public void Add<TInterceptor>() where TInterceptor : Interceptor =>
        Add(static services => ActivatorUtilities.GetServiceOrCreateInstance<TInterceptor>(services));

    public void Add(Interceptor interceptor)
    {
        ArgumentNullException.ThrowIfNull(interceptor);
        Add(_ => interceptor);
    }
}
