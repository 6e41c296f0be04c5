using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Tally.Access.V1;
using Tally.Grpc;

namespace Tally.Security;

/// <summary>
/// Who is calling, once authenticated. Also set as <c>HttpContext.User</c> (Identity.Name = <see cref="Subject"/>,
/// a role claim) so that ASP.NET Core features such as rate-limiter partitions see it.
/// </summary>
/// <param name="Subject">Stable id: "key:&lt;key_id&gt;", "jwt:&lt;issuer&gt;|&lt;sub&gt;", "service", "bootstrap" or "anonymous".</param>
/// <param name="Name">Display name for the audit trail (the key's name, the token's name claim).</param>
/// <param name="Role">Role in effect.</param>
/// <param name="Method">"api-key", "jwt", "service-token", "bootstrap-token" or "anonymous-loopback".</param>
public sealed record CallerIdentity(string Subject, string Name, Role Role, string Method)
{
    public const string RoleClaim = "tally:role";
    public const string MethodClaim = "tally:auth_method";

    /// <summary>Tally's own background work (event consumers, refresh loops): no person behind it.</summary>
    public static CallerIdentity System(string service) => new("service", "system:" + service, Role.Service, "service-token");

    /// <summary>"alice (key:abc123)", as audit lines print it.</summary>
    public override string ToString() => Name == Subject ? Name : $"{Name} ({Subject})";

    public ClaimsPrincipal ToPrincipal()
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, Subject),
                new Claim(ClaimTypes.GivenName, Name),
                new Claim(RoleClaim, RoleNames.Of(Role)),
                new Claim(ClaimTypes.Role, RoleNames.Of(Role)),
                new Claim(MethodClaim, Method),
            ],
            authenticationType: Method, nameType: ClaimTypes.Name, roleType: ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }
}

public static class CallerIdentityExtensions
{
    /// <summary>The caller of the current call, or null when the call was not authenticated (no interceptor ran).</summary>
    public static CallerIdentity? GetCaller(this HttpContext? context) => context?.Features.Get<CallerIdentity>();

    /// <summary>The caller of this gRPC call, or null when none was established.</summary>
    public static CallerIdentity? GetCaller(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetHttpContext().GetCaller();
    }
}

/// <summary>
/// The caller of the call being served on this async flow, for code far from the handler (stores writing audit
/// fields, event factories). Outside a call — consumers, timers — it is Tally itself (<see cref="CallerIdentity.System"/>).
/// </summary>
public sealed class CallerAccessor(IHttpContextAccessor http)
{
    public CallerIdentity Current => http.HttpContext.GetCaller() ?? CallerIdentity.System("tally");
}
