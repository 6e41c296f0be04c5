using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Tally.Grpc;
using Tally.Grpc.Interceptors;

namespace Tally.Security;

/// <summary>
/// Client interceptor on every service-to-service channel. A call made while serving a call forwards that caller's
/// own <c>authorization</c> (the callee checks it again, and records the same person); a call made outside any call —
/// an event consumer, a refresh loop — presents the service token. A call that already carries credentials is left alone.
/// </summary>
public sealed class OutgoingCredentialsInterceptor(IHttpContextAccessor http, IOptions<AuthOptions> options) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(request, WithCredentials(context));
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(request, WithCredentials(context));
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(WithCredentials(context));
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(WithCredentials(context));
    }

    private ClientInterceptorContext<TRequest, TResponse> WithCredentials<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class, Google.Protobuf.IMessage<TRequest> where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        var headers = context.Options.Headers;
        if (headers?.Get("authorization") is not null)
        {
            return context;
        }

        string? value = null;
        var inbound = http.HttpContext;
        if (inbound is not null)
        {
            var forwarded = inbound.Request.Headers.Authorization.ToString();
            if (forwarded.Length > 0) value = forwarded;
        }
        else if (options.Value.ServiceToken is { Length: > 0 } token)
        {
            value = "Bearer " + token;
        }

        if (value is null)
        {
            return context; // anonymous, as the inbound caller was (loopback reader in the embedded default)
        }

        var copy = new Metadata();
        if (headers is not null)
        {
            foreach (var entry in headers) copy.Add(entry);
        }

        copy.Add("authorization", value);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(copy));
    }
}
