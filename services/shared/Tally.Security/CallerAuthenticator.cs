using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Tally.Access.V1;

namespace Tally.Security;

/// <summary>
/// Turns a call's <c>authorization</c> metadata into a <see cref="CallerIdentity"/>: the service token, a Tally API key
/// (checked by <see cref="IApiKeyVerifier"/>), a JWT, or — with no credential, from loopback only — the configured
/// anonymous role. A credential that is present but bad is refused even on loopback; it never falls back to anonymous.
/// </summary>
public sealed class CallerAuthenticator(IOptions<AuthOptions> options, IApiKeyVerifier keys)
{
    private readonly Lazy<JwtValidator?> _jwt = new(() => options.Value.Jwt.Enabled ? new JwtValidator(options.Value.Jwt) : null);

    public async ValueTask<AuthResult> AuthenticateAsync(HttpContext http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var o = options.Value;
        var header = http.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            var anonymous = o.AnonymousRole;
            if (anonymous != Role.Unspecified && IsLoopback(http.Connection.RemoteIpAddress))
            {
                return AuthResult.Ok(new CallerIdentity("anonymous", "anonymous", anonymous, "anonymous-loopback"));
            }

            return AuthResult.Unauthenticated("missing",
                "This call needs a credential: send the metadata `authorization: Bearer <API key>` (the CLI takes --token or TALLY_TOKEN). " +
                AuthMessages.HowToGetKey);
        }

        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !header.AsSpan(0, space).Equals("Bearer", StringComparison.OrdinalIgnoreCase) || header.AsSpan(space + 1).Trim().IsEmpty)
        {
            var scheme = space > 0 ? header[..space] : "(none)";
            return AuthResult.Unauthenticated("malformed",
                $"The authorization metadata must be `Bearer <token>`; the scheme here is '{(scheme.Length > 20 ? scheme[..20] + "…" : scheme)}'.");
        }

        var token = header[(space + 1)..].Trim();
        if (o.RequireTls && !http.Request.IsHttps)
        {
            return AuthResult.Unauthenticated("plaintext",
                "This server accepts credentials only over TLS, and this call came over plaintext: connect with https://. " +
                "The credential was not checked; treat it as exposed and have it revoked.");
        }

        if (o.ServiceToken is { Length: > 0 } serviceToken && ApiKeySecrets.SameSecret(token, serviceToken))
        {
            return AuthResult.Ok(new CallerIdentity("service", "tally-service", Role.Service, "service-token"));
        }

        if (ApiKeySecrets.LooksLikeKey(token))
        {
            return ApiKeySecrets.KeyIdOf(token) is null
                ? AuthResult.Unauthenticated("malformed", $"The API key {ApiKeySecrets.Redact(token)} is malformed (expected tly_<id>_<secret>).")
                : await keys.VerifyAsync(token, cancellationToken).ConfigureAwait(false);
        }

        if (token.Count(c => c == '.') == 2)
        {
            return _jwt.Value is { } jwt
                ? await jwt.ValidateAsync(token).ConfigureAwait(false)
                : AuthResult.Unauthenticated("invalid_token", "This server does not accept JWTs (Tally:Auth:Jwt:Issuer is not set); use a Tally API key.");
        }

        return AuthResult.Unauthenticated("malformed", "The bearer token is neither a Tally API key (tly_…) nor a JWT.");
    }

    private static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);
}
