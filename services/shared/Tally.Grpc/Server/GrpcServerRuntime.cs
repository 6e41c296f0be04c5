using Microsoft.Extensions.Logging;
using Tally.Grpc.Interceptors;
using Tally.Grpc.Internal;

namespace Tally.Grpc.Server;

/// <summary>Options resolved once at map time, shared by every call handler of an app.</summary>
internal sealed class GrpcServerRuntime
{
    private readonly ILogger _logger;

    public GrpcServerRuntime(GrpcServerOptions options, IReadOnlyList<Interceptor> interceptors, ILogger logger)
    {
        if (options.ResponseCompressionAlgorithm is { } algorithm && !algorithm.Equals(GrpcProtocol.Gzip, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"GrpcServerOptions.ResponseCompressionAlgorithm '{algorithm}' is not supported; use \"gzip\" or null.");
        }
        MaxReceiveMessageSize = options.MaxReceiveMessageSize ?? int.MaxValue;
        MaxSendMessageSize = options.MaxSendMessageSize;
        EnableDetailedErrors = options.EnableDetailedErrors;
        CompressResponses = options.ResponseCompressionAlgorithm is not null;
        Interceptors = interceptors;
        _logger = logger;
    }

    public int MaxReceiveMessageSize { get; }
    public int? MaxSendMessageSize { get; }
    public bool EnableDetailedErrors { get; }
    public bool CompressResponses { get; }
    public IReadOnlyList<Interceptor> Interceptors { get; }

    public void LogHandlerError(Exception exception, string method) =>
        _logger.LogError(exception, "gRPC handler for {Method} threw an exception.", method);
}
