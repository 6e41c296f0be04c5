using System.Runtime.CompilerServices;

namespace Tally.Grpc;

/// <summary>What every client call object shares: headers, status and trailers, and Dispose to cancel.</summary>
public abstract class ClientCallBase : IDisposable
{
    private readonly Func<object, Task<Metadata>> _getHeaders;
    private readonly Func<object, Status> _getStatus;
    private readonly Func<object, Metadata> _getTrailers;
    private readonly Action<object> _dispose;
    private readonly object _state;

    private protected ClientCallBase(Func<object, Task<Metadata>> getHeaders, Func<object, Status> getStatus,
        Func<object, Metadata> getTrailers, Action<object> dispose, object state)
    {
        _getHeaders = getHeaders;
        _getStatus = getStatus;
        _getTrailers = getTrailers;
        _dispose = dispose;
        _state = state;
    }

    /// <summary>The response headers, once the server has sent them.</summary>
    public Task<Metadata> ResponseHeadersAsync => _getHeaders(_state);

    /// <summary>The call's status; throws InvalidOperationException while the call is still running.</summary>
    public Status GetStatus() => _getStatus(_state);

    /// <summary>The call's trailers; throws InvalidOperationException while the call is still running.</summary>
    public Metadata GetTrailers() => _getTrailers(_state);

    /// <summary>Cancels the call if it is still running (the server sees RST_STREAM) and frees its resources.</summary>
    public void Dispose()
    {
        _dispose(_state);
        GC.SuppressFinalize(this);
    }

    private protected static Func<object, T> Wrap<T>(Func<T> func) => _ => func();
    private protected static Func<object, Task<Metadata>> Wrap(Task<Metadata> task) => _ => task;
    private protected static Action<object> Wrap(Action action) => _ => action();
}

public sealed class AsyncUnaryCall<TResponse> : ClientCallBase
{
    public AsyncUnaryCall(Task<TResponse> responseAsync, Task<Metadata> responseHeadersAsync,
        Func<Status> getStatusFunc, Func<Metadata> getTrailersFunc, Action disposeAction)
        : this(responseAsync, Wrap(responseHeadersAsync), Wrap(getStatusFunc), Wrap(getTrailersFunc), Wrap(disposeAction), new object()) { }

    public AsyncUnaryCall(Task<TResponse> responseAsync, Func<object, Task<Metadata>> responseHeadersAsync,
        Func<object, Status> getStatusFunc, Func<object, Metadata> getTrailersFunc, Action<object> disposeAction, object state)
        : base(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction, state) => ResponseAsync = responseAsync;

    public Task<TResponse> ResponseAsync { get; }

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();
    public ConfiguredTaskAwaitable<TResponse> ConfigureAwait(bool continueOnCapturedContext) =>
        ResponseAsync.ConfigureAwait(continueOnCapturedContext);
}

public sealed class AsyncServerStreamingCall<TResponse> : ClientCallBase
{
    public AsyncServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, Task<Metadata> responseHeadersAsync,
        Func<Status> getStatusFunc, Func<Metadata> getTrailersFunc, Action disposeAction)
        : this(responseStream, Wrap(responseHeadersAsync), Wrap(getStatusFunc), Wrap(getTrailersFunc), Wrap(disposeAction), new object()) { }

    public AsyncServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, Func<object, Task<Metadata>> responseHeadersAsync,
        Func<object, Status> getStatusFunc, Func<object, Metadata> getTrailersFunc, Action<object> disposeAction, object state)
        : base(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction, state) => ResponseStream = responseStream;

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}

public sealed class AsyncClientStreamingCall<TRequest, TResponse> : ClientCallBase
{
    public AsyncClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> responseAsync, Task<Metadata> responseHeadersAsync,
        Func<Status> getStatusFunc, Func<Metadata> getTrailersFunc, Action disposeAction)
        : this(requestStream, responseAsync, Wrap(responseHeadersAsync), Wrap(getStatusFunc), Wrap(getTrailersFunc), Wrap(disposeAction), new object()) { }

    public AsyncClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> responseAsync,
        Func<object, Task<Metadata>> responseHeadersAsync, Func<object, Status> getStatusFunc, Func<object, Metadata> getTrailersFunc,
        Action<object> disposeAction, object state)
        : base(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction, state)
    {
        RequestStream = requestStream;
        ResponseAsync = responseAsync;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }
    public Task<TResponse> ResponseAsync { get; }

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();
    public ConfiguredTaskAwaitable<TResponse> ConfigureAwait(bool continueOnCapturedContext) =>
        ResponseAsync.ConfigureAwait(continueOnCapturedContext);
}

public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : ClientCallBase
{
    public AsyncDuplexStreamingCall(IClientStreamWriter<TRequest> requestStream, IAsyncStreamReader<TResponse> responseStream,
        Task<Metadata> responseHeadersAsync, Func<Status> getStatusFunc, Func<Metadata> getTrailersFunc, Action disposeAction)
        : this(requestStream, responseStream, Wrap(responseHeadersAsync), Wrap(getStatusFunc), Wrap(getTrailersFunc), Wrap(disposeAction), new object()) { }

    public AsyncDuplexStreamingCall(IClientStreamWriter<TRequest> requestStream, IAsyncStreamReader<TResponse> responseStream,
        Func<object, Task<Metadata>> responseHeadersAsync, Func<object, Status> getStatusFunc, Func<object, Metadata> getTrailersFunc,
        Action<object> disposeAction, object state)
        : base(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction, state)
    {
        RequestStream = requestStream;
        ResponseStream = responseStream;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }
    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}
