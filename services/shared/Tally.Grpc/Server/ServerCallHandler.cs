using System.Diagnostics;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Tally.Grpc.Internal;

namespace Tally.Grpc.Server;

/// <summary>Runs one method's calls: validates the request, reads, invokes the handler, writes, ends with a status.</summary>
internal sealed class ServerCallHandler<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly Delegate _handler;
    private readonly GrpcServerRuntime _runtime;
    private readonly TagList _tags;

    public ServerCallHandler(Method<TRequest, TResponse> method, Delegate handler, GrpcServerRuntime runtime)
    {
        _method = method;
        _handler = handler;
        _runtime = runtime;
        _tags = GrpcMetrics.Tags(method);
    }

    public async Task HandleCallAsync(HttpContext http)
    {
        if (!ServerProtocol.ValidateRequest(http))
        {
            return;
        }
        using var call = new HttpServerCallContext(http, _method, _runtime);
        var start = Stopwatch.GetTimestamp();
        GrpcMetrics.ServerStarted.Add(1, _tags);
        Status status;
        try
        {
            status = call.Start() ?? await RunAsync(call);
        }
        catch (Exception ex)
        {
            status = call.StatusFromException(ex);
        }
        if (call.DeadlineExceeded)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        else if (http.RequestAborted.IsCancellationRequested)
        {
            status = new Status(StatusCode.Cancelled, "Call canceled by the client.");
        }
        call.Complete(status);
        GrpcMetrics.RecordHandled(GrpcMetrics.ServerHandled, GrpcMetrics.ServerHandlingSeconds, _tags, status.StatusCode, start);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Status> RunAsync(HttpServerCallContext call)
    {
        switch (_method.Type)
        {
            case MethodType.Unary:
            {
                var request = await ReadSingleRequestAsync(call);
                var response = await ((UnaryServerMethod<TRequest, TResponse>)_handler)(request, call);
                return await WriteSingleResponseAsync(call, response);
            }
            case MethodType.ClientStreaming:
            {
                var streams = new ServerStreams<TRequest, TResponse>(call, _method, _runtime);
                var response = await ((ClientStreamingServerMethod<TRequest, TResponse>)_handler)(streams, call);
                return await WriteSingleResponseAsync(call, response);
            }
            case MethodType.ServerStreaming:
            {
                var request = await ReadSingleRequestAsync(call);
                var streams = new ServerStreams<TRequest, TResponse>(call, _method, _runtime);
                await ((ServerStreamingServerMethod<TRequest, TResponse>)_handler)(request, streams, call);
                return call.Status;
            }
            default:
            {
                var streams = new ServerStreams<TRequest, TResponse>(call, _method, _runtime);
                await ((DuplexStreamingServerMethod<TRequest, TResponse>)_handler)(streams, streams, call);
                return call.Status;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TRequest> ReadSingleRequestAsync(HttpServerCallContext call)
    {
        var reader = call.GetHttpContext().Request.BodyReader;
        var message = await MessageFraming.ReadMessageAsync(reader, _method.RequestParser, _runtime.MaxReceiveMessageSize,
            call.RequestEncoding, call.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.Unimplemented,
                $"{_method.FullName} expects exactly one request message but the request had none."));
        if (await MessageFraming.ReadMessageAsync(reader, _method.RequestParser, _runtime.MaxReceiveMessageSize,
            call.RequestEncoding, call.CancellationToken) is not null)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented,
                $"{_method.FullName} expects exactly one request message but the request had more."));
        }
        GrpcMetrics.ServerMsgReceived.Add(1, _tags);
        return message;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Status> WriteSingleResponseAsync(HttpServerCallContext call, TResponse? response)
    {
        if (call.Status.StatusCode != StatusCode.OK || call.DeadlineExceeded)
        {
            return call.Status;
        }
        if (response is null)
        {
            return new Status(StatusCode.Internal, $"The handler for {_method.FullName} returned no response message.");
        }
        await call.WriteMessageAsync(call.ResponsePrefix.Span, response, flush: false);
        return call.Status;
    }
}

/// <summary>The request reader and response writer of a streaming call.</summary>
internal sealed class ServerStreams<TRequest, TResponse>(HttpServerCallContext call, Method<TRequest, TResponse> method, GrpcServerRuntime runtime)
    : IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    public TRequest Current { get; private set; } = null!;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        using var linked = cancellationToken.CanBeCanceled && cancellationToken != call.CancellationToken
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken)
            : null;
        var message = await MessageFraming.ReadMessageAsync(call.GetHttpContext().Request.BodyReader, method.RequestParser,
            runtime.MaxReceiveMessageSize, call.RequestEncoding, linked?.Token ?? call.CancellationToken);
        if (message is null)
        {
            return false;
        }
        if (GrpcMetrics.ServerMsgReceived.Enabled)
        {
            GrpcMetrics.ServerMsgReceived.Add(1, GrpcMetrics.Tags(method));
        }
        Current = message;
        return true;
    }

    public async Task WriteAsync(TResponse message)
    {
        ArgumentNullException.ThrowIfNull(message);
        await call.WriteMessageAsync(message, flush: true);
    }
}
