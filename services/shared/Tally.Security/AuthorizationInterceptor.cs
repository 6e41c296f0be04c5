using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Grpc;
using Tally.Grpc.Interceptors;

namespace Tally.Security;

/// <summary>
/// The first server interceptor of every Tally host: finds the method's rule in <see cref="AuthorizationTable"/>,
/// authenticates the caller and checks the role before any handler code runs — so a refusal can never depend on, or
/// reveal, whether the thing asked for exists. Refusals are UNAUTHENTICATED (no valid credential) or PERMISSION_DENIED
/// (valid, not allowed), counted in <c>tally_auth_failures_total{reason}</c> and logged without the credential.
/// </summary>
public sealed partial class AuthorizationInterceptor(CallerAuthenticator authenticator, AuthMetrics metrics, IOptions<AdditionalAccessRules> additional,
    ILogger<AuthorizationInterceptor> logger)
    : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async Task AuthorizeAsync(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        var rule = additional.Value.RuleFor(context.Method);
        if (rule is null)
        {
            throw Refuse(context, AuthResult.Denied("unlisted_method",
                $"{context.Method} has no entry in Tally's authorization table, so nobody may call it yet."));
        }

        if (rule == AccessRule.Open)
        {
            return;
        }

        var result = await authenticator.AuthenticateAsync(http, context.CancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw Refuse(context, result);
        }

        var caller = result.Caller!;
        if (!AuthorizationTable.Allows(rule.Value, caller.Role))
        {
            throw Refuse(context, AuthResult.Denied("forbidden", caller.Method == "anonymous-loopback"
                ? $"{context.Method} needs {AuthorizationTable.Describe(rule.Value)}; calls without a token get the {RoleNames.Of(caller.Role)} role. " +
                  "Send a key with that role (--token or TALLY_TOKEN)."
                : $"{context.Method} needs {AuthorizationTable.Describe(rule.Value)}; {caller} has the {RoleNames.Of(caller.Role)} role. " +
                  "Ask an admin for a key with that role."));
        }

        if (caller.Method == "bootstrap-token" && !AuthorizationTable.BootstrapMethods.Contains(context.Method))
        {
            throw Refuse(context, AuthResult.Denied("forbidden",
                $"The bootstrap token may only create the first admin key (./tally keys create --role admin); use that key for {context.Method}."));
        }

        http.Features.Set(caller);
        http.User = caller.ToPrincipal();
    }

    private RpcException Refuse(ServerCallContext context, AuthResult result)
    {
        var reason = result.Reason ?? "invalid_token";
        if (result.Status != StatusCode.Unavailable)
        {
            metrics.Failed(reason);
        }

        LogRefused(logger, context.Method, reason, result.Status, context.Peer);
        return new RpcException(new Status(result.Status, result.Message ?? "The call was refused."));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method}: refused ({Reason}, {Status}) for {Peer}")]
    private static partial void LogRefused(ILogger logger, string method, string reason, StatusCode status, string peer);
}
