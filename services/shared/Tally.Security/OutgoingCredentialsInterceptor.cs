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
        var inbound = OutgoingCredentials.AsServiceNow ? null : http.HttpContext;
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

/// <summary>Who outgoing service-to-service calls speak for, in the current async flow.</summary>
public static class OutgoingCredentials
{
    private static readonly AsyncLocal<bool> AsServiceFlag = new();

    /// <summary>True inside <see cref="AsService"/>.</summary>
    public static bool AsServiceNow => AsServiceFlag.Value;

    /// <summary>
    /// Until disposed, calls in this async flow present the service token instead of the inbound caller's credentials:
    /// for bookkeeping the service does on its own account while serving someone (recording the citation of a figure
    /// it computed for a reader, say), which the caller's role need not allow.
    /// </summary>
    public static IDisposable AsService()
    {
        var previous = AsServiceFlag.Value;
        AsServiceFlag.Value = true;
        return new Restore(previous);
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => AsServiceFlag.Value = previous;
    }
}
