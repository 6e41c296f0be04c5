using Google.Protobuf;

namespace Tally.Grpc.Interceptors;

/// <summary>What a client interceptor sees of a call before it starts.</summary>
public readonly struct ClientInterceptorContext<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    public ClientInterceptorContext(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Method = method;
        Host = host;
        Options = options;
    }

    public Method<TRequest, TResponse> Method { get; }
    public string? Host { get; }
    public CallOptions Options { get; }
}

public delegate AsyncUnaryCall<TResponse> AsyncUnaryCallContinuation<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context)
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>;

public delegate AsyncServerStreamingCall<TResponse> AsyncServerStreamingCallContinuation<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context)
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>;

public delegate AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCallContinuation<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>;

public delegate AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCallContinuation<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>;

/// <summary>
/// Base class for client and server interceptors (same shape as Grpc.Core.Interceptors.Interceptor).
/// Every method passes straight to <c>continuation</c> unless overridden.
/// </summary>
public abstract class Interceptor
{
    public virtual AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        continuation(request, context);

    public virtual AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        continuation(request, context);

    public virtual AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        continuation(context);

    public virtual AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        continuation(context);

    public virtual Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class =>
        continuation(request, context);

    public virtual Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class =>
        continuation(requestStream, context);

    public virtual Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class =>
        continuation(request, responseStream, context);

    public virtual Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class =>
        continuation(requestStream, responseStream, context);
}

public static class CallInvokerExtensions
{
    /// <summary>Wraps the invoker; the first interceptor listed runs first.</summary>
    public static CallInvoker Intercept(this CallInvoker invoker, params Interceptor[] interceptors)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(interceptors);
        for (var i = interceptors.Length - 1; i >= 0; i--)
        {
            invoker = new InterceptingCallInvoker(invoker, interceptors[i]);
        }
        return invoker;
    }

    private sealed class InterceptingCallInvoker(CallInvoker next, Interceptor interceptor) : CallInvoker
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            interceptor.AsyncUnaryCall(request, new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
                (r, c) => next.AsyncUnaryCall(c.Method, c.Host, c.Options, r));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            interceptor.AsyncServerStreamingCall(request, new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
                (r, c) => next.AsyncServerStreamingCall(c.Method, c.Host, c.Options, r));

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            interceptor.AsyncClientStreamingCall(new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
                c => next.AsyncClientStreamingCall(c.Method, c.Host, c.Options));

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            interceptor.AsyncDuplexStreamingCall(new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
                c => next.AsyncDuplexStreamingCall(c.Method, c.Host, c.Options));
    }
}
