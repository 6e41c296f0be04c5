using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Infrastructure;

/// <summary>What handlers observed, for tests to await: keyed by the request's message.</summary>
public sealed class ServerProbe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _events = new();

    /// <summary>Completes with how the handler for <paramref name="key"/> ended ("cancelled", "completed", ...).</summary>
    public Task<string> WaitAsync(string key) => Get(key).Task.WaitAsync(TimeSpan.FromSeconds(20));

    public void Record(string key, string what) => Get(key).TrySetResult(what);

    private TaskCompletionSource<string> Get(string key) =>
        _events.GetOrAdd(key, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>The test service: echoes, streams, waits and fails as the request says.</summary>
public sealed class EchoService(ServerProbe probe) : Echo.EchoBase
{
    /// <summary>Unary: bytes in this header become <see cref="ServerCallContext.ResponsePrefix"/>.</summary>
    public const string ResponsePrefixHeader = "tally-test-response-prefix-bin";

    public override async Task<EchoResponse> Unary(EchoRequest request, ServerCallContext context)
    {
        await ActAsync(request, context);
        var echoed = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.StartsWith("x-", StringComparison.Ordinal))
            {
                echoed.Add(entry);
                context.ResponseTrailers.Add(entry.IsBinary ? new Metadata.Entry("trailer-" + entry.Key, entry.ValueBytes)
                    : new Metadata.Entry("trailer-" + entry.Key, entry.Value));
            }
        }
        if (echoed.Count > 0)
        {
            await context.WriteResponseHeadersAsync(echoed);
        }
        if (context.RequestHeaders.GetValueBytes(ResponsePrefixHeader) is { } prefix)
        {
            context.ResponsePrefix = prefix; // serialized EchoResponse fields the client sent, sent back ahead of the reply
        }
        return Respond(request, context);
    }

    public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        try
        {
            for (var i = 0; i < request.Count; i++)
            {
                if (request.DelayMs > 0)
                {
                    await Task.Delay(request.DelayMs, context.CancellationToken);
                }
                var response = Respond(request, context);
                response.Index = i;
                await responseStream.WriteAsync(response);
            }
        }
        catch (OperationCanceledException)
        {
            probe.Record(request.Message, "cancelled");
            throw;
        }
        if (request.Failure != Failure.None)
        {
            await ActAsync(new EchoRequest { Failure = request.Failure, Message = request.Message }, context);
        }
        probe.Record(request.Message, "completed");
    }

    public override async Task<EchoResponse> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var messages = new List<string>();
        var payload = Google.Protobuf.ByteString.Empty;
        try
        {
            await foreach (var request in requestStream.ReadAllAsync())
            {
                await ActAsync(request, context);
                messages.Add(request.Message);
                payload = request.Payload;
            }
        }
        catch (OperationCanceledException)
        {
            probe.Record(messages.FirstOrDefault() ?? "", "cancelled");
            throw;
        }
        return new EchoResponse { Message = string.Join(",", messages), Payload = payload };
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        string? first = null;
        var index = 0;
        try
        {
            while (await requestStream.MoveNext(CancellationToken.None))
            {
                var request = requestStream.Current;
                first ??= request.Message;
                await ActAsync(request, context);
                var response = Respond(request, context);
                response.Index = index++;
                await responseStream.WriteAsync(response);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            probe.Record(first ?? "", "cancelled");
            throw;
        }
        probe.Record(first ?? "", "completed");
    }

    public override Task<Empty> Ping(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    private async Task ActAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs > 0)
        {
            try
            {
                await Task.Delay(request.DelayMs, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Timers may fire a little before the wall clock reaches the deadline.
                var atDeadline = context.Deadline != DateTime.MaxValue && DateTime.UtcNow >= context.Deadline.AddSeconds(-1);
                probe.Record(request.Message, atDeadline ? "deadline" : "cancelled");
                throw;
            }
        }
        switch (request.Failure)
        {
            case Failure.Throw:
                throw new InvalidOperationException("secret internal detail");
            case Failure.RpcException:
                throw new RpcException(new Status(StatusCode.NotFound, "no such thing: " + request.Message),
                    new Metadata { { "reason", "missing" }, { "detail-bin", [1, 2, 3] } });
            case Failure.Status:
                context.Status = new Status(StatusCode.FailedPrecondition, "precondition failed");
                break;
            case Failure.Reset:
                context.GetHttpContext().Features.GetRequiredFeature<IHttpResetFeature>().Reset(0x8);
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
            case Failure.Abort:
                context.GetHttpContext().Abort();
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
            case Failure.AbortConnection:
                context.GetHttpContext().Features.GetRequiredFeature<IConnectionLifetimeFeature>().Abort();
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
        }
    }

    private static EchoResponse Respond(EchoRequest request, ServerCallContext context) => new()
    {
        Message = request.Message,
        Payload = request.Payload,
        Peer = context.Peer,
        DeadlineUnixMs = context.Deadline == DateTime.MaxValue ? 0 : new DateTimeOffset(context.Deadline).ToUnixTimeMilliseconds(),
    };
}
