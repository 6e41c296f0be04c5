namespace Tally.Grpc.Client;

/// <summary>The channel's call invoker: each call is one HTTP/2 request.</summary>
internal sealed class HttpClientCallInvoker(GrpcChannel channel) : CallInvoker
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new GrpcCall<TRequest, TResponse>(channel, method, options);
        call.StartWithMessage(request);
        return new AsyncUnaryCall<TResponse>(call.ReadSingleResponseAsync(), GrpcCall<TRequest, TResponse>.GetHeadersFunc,
            GrpcCall<TRequest, TResponse>.GetStatusFunc, GrpcCall<TRequest, TResponse>.GetTrailersFunc, GrpcCall<TRequest, TResponse>.DisposeFunc, call);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new GrpcCall<TRequest, TResponse>(channel, method, options);
        call.StartWithMessage(request);
        return new AsyncServerStreamingCall<TResponse>(call, GrpcCall<TRequest, TResponse>.GetHeadersFunc,
            GrpcCall<TRequest, TResponse>.GetStatusFunc, GrpcCall<TRequest, TResponse>.GetTrailersFunc, GrpcCall<TRequest, TResponse>.DisposeFunc, call);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new GrpcCall<TRequest, TResponse>(channel, method, options);
        call.StartStreaming();
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, call.ReadSingleResponseAsync(), GrpcCall<TRequest, TResponse>.GetHeadersFunc,
            GrpcCall<TRequest, TResponse>.GetStatusFunc, GrpcCall<TRequest, TResponse>.GetTrailersFunc, GrpcCall<TRequest, TResponse>.DisposeFunc, call);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new GrpcCall<TRequest, TResponse>(channel, method, options);
        call.StartStreaming();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call, call, GrpcCall<TRequest, TResponse>.GetHeadersFunc,
            GrpcCall<TRequest, TResponse>.GetStatusFunc, GrpcCall<TRequest, TResponse>.GetTrailersFunc, GrpcCall<TRequest, TResponse>.DisposeFunc, call);
    }
}
