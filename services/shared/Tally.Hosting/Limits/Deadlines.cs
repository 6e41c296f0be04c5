using Microsoft.Extensions.Options;
using Tally.Grpc;
using Tally.Grpc.Interceptors;

namespace Tally.Hosting.Limits;

/// <summary>
/// The inbound gRPC call the current code runs for (an AsyncLocal set by <see cref="InboundCallInterceptor"/>), so
/// that calls it makes to other services never outlive it (<see cref="DefaultDeadlineInterceptor"/>).
/// </summary>
public static class InboundCall
{
    private static readonly AsyncLocal<DateTime?> CurrentDeadline = new();

    /// <summary>The deadline (UTC) of the inbound call being handled, or null when there is none or no call.</summary>
    public static DateTime? Deadline => CurrentDeadline.Value;

    internal static void Set(DateTime deadline) => CurrentDeadline.Value = deadline == DateTime.MaxValue ? null : deadline;

    /// <summary>
    /// From here on (in this async flow) outgoing calls are not bounded by the inbound call's deadline: for work shared
    /// by several callers (one computation answering a burst of identical requests), which must not end with the
    /// first caller's deadline. The default deadlines still apply.
    /// </summary>
    public static void Detach() => CurrentDeadline.Value = null;
}

/// <summary>Records each inbound call's deadline for the handler's async flow (see <see cref="InboundCall"/>).</summary>
public sealed class InboundCallInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Run(context, () => continuation(request, context));
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Run(context, () => continuation(requestStream, context));
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Run(context, () => continuation(request, responseStream, context));
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Run(context, () => continuation(requestStream, responseStream, context));
    }

    /// <summary>An async method of its own, so the AsyncLocal change is undone for the caller when it returns.</summary>
    private static async Task<T> Run<T>(ServerCallContext context, Func<Task<T>> handler)
    {
        InboundCall.Set(context.Deadline);
        return await handler();
    }

    private static async Task Run(ServerCallContext context, Func<Task> handler)
    {
        InboundCall.Set(context.Deadline);
        await handler();
    }
}

/// <summary>
/// Client interceptor on every service-to-service client (ServiceClients): a call without a deadline gets
/// Tally:Limits:Deadlines:Default (unary, server streaming) or :Streaming (client/bidi streaming; none by default), and
/// no call outlives the inbound call it is made for: its deadline is at most that call's deadline. A hung peer thus
/// ends in DEADLINE_EXCEEDED within the bound.
/// </summary>
public sealed class DefaultDeadlineInterceptor(IOptions<LimitsOptions> options) : Interceptor
{
    private readonly DeadlineOptions _deadlines = (options ?? throw new ArgumentNullException(nameof(options))).Value.Deadlines;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(request, Bound(context, _deadlines.Default));
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(request, Bound(context, _deadlines.Default));
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(Bound(context, _deadlines.Streaming));
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(Bound(context, _deadlines.Streaming));
    }

    /// <summary>The call's deadline: its own, else now + the default; then no later than the inbound call's.</summary>
    public static DateTime? Deadline(DateTime? own, TimeSpan? byDefault, DateTime? inbound, DateTime now)
    {
        var deadline = own is { } d && d != DateTime.MaxValue ? d : byDefault is { } span ? now + span : (DateTime?)null;
        if (inbound is { } limit && (deadline is null || limit < deadline))
        {
            deadline = limit;
        }

        return deadline;
    }

    private static ClientInterceptorContext<TRequest, TResponse> Bound<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, TimeSpan? byDefault)
        where TRequest : class, Google.Protobuf.IMessage<TRequest> where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        var deadline = Deadline(context.Options.Deadline, byDefault, InboundCall.Deadline, DateTime.UtcNow);
        return deadline == context.Options.Deadline
            ? context
            : new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithDeadline(deadline));
    }
}
