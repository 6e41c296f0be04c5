using System.Data.Common;
using Microsoft.Extensions.Logging;
using Tally.Grpc;
using Tally.Grpc.Interceptors;

namespace Tally.Hosting;

/// <summary>
/// A database failure the driver calls transient (PostgreSQL restarting, a pooled connection that died with it, a
/// busy SQLite file) reaches the caller as UNAVAILABLE, the status gRPC clients retry on, with a message that says to
/// retry, instead of INTERNAL. Anything else passes through untouched.
/// </summary>
public sealed partial class TransientStorageFailureInterceptor(ILogger<TransientStorageFailureInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Transient(e) is { } failure)
        {
            throw Unavailable(context, failure);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (Transient(e) is { } failure)
        {
            throw Unavailable(context, failure);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Transient(e) is { } failure)
        {
            throw Unavailable(context, failure);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (Transient(e) is { } failure)
        {
            throw Unavailable(context, failure);
        }
    }

    /// <summary>The transient database exception in <paramref name="e"/> or its inner exceptions, or null.</summary>
    public static DbException? Transient(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is RpcException)
            {
                return null; // the handler already chose a status
            }

            if (current is DbException { IsTransient: true } db)
            {
                return db;
            }
        }

        return null;
    }

    private RpcException Unavailable(ServerCallContext? context, DbException failure)
    {
        var method = context?.Method ?? "(unknown method)";
        LogTransient(logger, method, failure.Message);
        return new RpcException(new Status(StatusCode.Unavailable,
            $"The service's database is unavailable for the moment ({failure.Message.Trim()}). Retry shortly."));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method}: transient database failure, answered UNAVAILABLE: {Error}")]
    private static partial void LogTransient(ILogger logger, string method, string error);
}
