using Google.Protobuf;

namespace Tally.Grpc;

/// <summary>Starts calls. Generated clients call through one; interceptors wrap one.</summary>
public abstract class CallInvoker
{
    public abstract AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>;

    public abstract AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>;

    public abstract AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>;

    public abstract AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>;
}

/// <summary>A connection target that can make call invokers.</summary>
public abstract class ChannelBase
{
    protected ChannelBase(string target) => Target = target;

    public string Target { get; }

    public abstract CallInvoker CreateCallInvoker();
}

/// <summary>Base of generated clients.</summary>
public abstract class ClientBase
{
    protected ClientBase(ChannelBase channel)
        : this((channel ?? throw new ArgumentNullException(nameof(channel))).CreateCallInvoker()) { }

    protected ClientBase(CallInvoker callInvoker) =>
        CallInvoker = callInvoker ?? throw new ArgumentNullException(nameof(callInvoker));

    protected CallInvoker CallInvoker { get; }
}
