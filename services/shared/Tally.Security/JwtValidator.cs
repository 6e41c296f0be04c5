using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tally.Access.V1;

namespace Tally.Security;

/// <summary>
/// Validates JWTs from the newsroom's identity provider (Microsoft.IdentityModel): signature against the configured
/// public keys, issuer, audience, lifetime. The role comes from <see cref="JwtAuthOptions.RoleClaim"/>; a token whose
/// roles name no Tally role is refused with PERMISSION_DENIED (it is authentic, just not entitled).
/// </summary>
public sealed class JwtValidator
{
    private readonly JwtAuthOptions _options;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    public JwtValidator(JwtAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var keys = options.SigningKeyFiles.SelectMany(LoadKeys).ToList();
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudiences = options.Audiences,
            ValidateAudience = true,
            ValidateIssuer = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = true,
            IssuerSigningKeys = keys,
            ClockSkew = options.ClockSkew,
        };
    }

    /// <summary>Loads the keys of one configured file: PEM (RSA or EC public key or certificate) or a JWKS document.</summary>
    public static IEnumerable<SecurityKey> LoadKeys(string file)
    {
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"{AuthOptions.Section}:Jwt:SigningKeyFiles names '{file}', which does not exist.");
        }

        var text = File.ReadAllText(file);
        if (text.TrimStart().StartsWith('{'))
        {
            return new JsonWebKeySet(text).GetSigningKeys();
        }

        if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            return [new X509SecurityKey(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(text))];
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(text);
            return [new RsaSecurityKey(rsa)];
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
        }

        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(text);
            return [new ECDsaSecurityKey(ec)];
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            ec.Dispose();
            throw new InvalidOperationException(
                $"{AuthOptions.Section}:Jwt:SigningKeyFiles: '{file}' holds no RSA or EC public key, certificate or JWKS ({e.Message}).", e);
        }
    }

    private string AudiencesOf(string token)
    {
        try
        {
            return string.Join(", ", _handler.ReadJsonWebToken(token).Audiences);
        }
        catch (ArgumentException)
        {
            return "?";
        }
    }

    public async ValueTask<AuthResult> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return result.Exception switch
            {
                SecurityTokenExpiredException e => AuthResult.Unauthenticated("expired",
                    $"The token expired at {e.Expires:yyyy-MM-dd HH:mm:ss} UTC; get a fresh one from your identity provider."),
                SecurityTokenInvalidAudienceException => AuthResult.Unauthenticated("wrong_audience",
                    $"The token is for audience '{AudiencesOf(token)}', not this service ({string.Join(", ", _options.Audiences)})."),
                SecurityTokenInvalidIssuerException e => AuthResult.Unauthenticated("wrong_issuer",
                    $"The token was issued by '{e.InvalidIssuer}', not by {_options.Issuer}."),
                SecurityTokenNoExpirationException => AuthResult.Unauthenticated("invalid_token", "The token has no expiry (exp); Tally accepts only tokens that expire."),
                SecurityTokenNotYetValidException => AuthResult.Unauthenticated("invalid_token", "The token is not valid yet (nbf lies in the future)."),
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => AuthResult.Unauthenticated("invalid_token",
                    "The token's signature does not verify against the identity provider's keys Tally was configured with."),
                _ => AuthResult.Unauthenticated("invalid_token", "The token is not a valid JWT for this service."),
            };
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        var sub = jwt.Subject is { Length: > 0 } s ? s : "?";
        var name = jwt.TryGetPayloadValue<string>(_options.NameClaim, out var n) && !string.IsNullOrWhiteSpace(n) ? n : sub;
        var roleValues = jwt.Claims.Where(c => c.Type == _options.RoleClaim).Select(c => c.Value).ToList();
        var role = roleValues.Select(RoleNames.Parse).Where(r => r is not null).Select(r => r!.Value).DefaultIfEmpty(Role.Unspecified).Max();
        if (role == Role.Unspecified)
        {
            return AuthResult.Denied("unknown_role", roleValues.Count == 0
                ? $"The token carries no '{_options.RoleClaim}' claim; Tally needs one of reader, editor, admin."
                : $"The token's roles ({string.Join(", ", roleValues)}) name no Tally role; the roles are reader, editor and admin.");
        }

        return AuthResult.Ok(new CallerIdentity($"jwt:{jwt.Issuer}|{sub}", name, role, "jwt"));
    }
}
