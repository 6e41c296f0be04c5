using System.ComponentModel.DataAnnotations;
using Tally.Access.V1;

namespace Tally.Security;

/// <summary>Authentication and authorization settings, section <c>Tally:Auth</c> (docs/security.md).</summary>
public sealed class AuthOptions
{
    public const string Section = "Tally:Auth";

    /// <summary>
    /// Role of a caller that presents no credential from a loopback address (127.0.0.0/8, ::1): "reader" (the embedded
    /// default), "none" to require a token everywhere, or "editor"/"admin" for throwaway development and test hosts only.
    /// Callers from any other address always need a token.
    /// </summary>
    public string AnonymousLoopbackRole { get; set; } = "reader";

    /// <summary>
    /// Shared secret Tally's own services present to each other for background work (event consumers, refresh loops)
    /// and to check API keys with the definitions service. At least 32 characters; from a Secret in a cluster. The
    /// all-in-one generates one per process when unset.
    /// </summary>
    public string? ServiceToken { get; set; }

    /// <summary>Refuse credentials that arrive over plaintext (h2c) with UNAUTHENTICATED. Turn on with TLS.</summary>
    public bool RequireTls { get; set; }

    /// <summary>How long a service other than definitions trusts a checked API key before asking again (revocation delay).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One-time token accepted as admin for CreateApiKey only, until the first admin key exists. When unset, the
    /// definitions service writes a random one to <see cref="BootstrapTokenFile"/> and logs how to use it.
    /// </summary>
    public string? BootstrapToken { get; set; }

    /// <summary>Where the generated bootstrap token is written (mode 0600); relative paths are under Tally:Storage:DataDirectory.</summary>
    public string BootstrapTokenFile { get; set; } = "bootstrap-admin-token";

    /// <summary>JSON Web Tokens from the newsroom's identity provider; off unless Issuer is set.</summary>
    public JwtAuthOptions Jwt { get; set; } = new();

    /// <summary>Parsed <see cref="AnonymousLoopbackRole"/> (Unspecified = none).</summary>
    public Role AnonymousRole => AnonymousLoopbackRole.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)
        ? Role.Unspecified
        : RoleNames.Parse(AnonymousLoopbackRole) ?? Role.Unspecified;
}

/// <summary>Section <c>Tally:Auth:Jwt</c>.</summary>
public sealed class JwtAuthOptions
{
    /// <summary>Expected "iss"; JWTs are accepted only when this is set.</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected "aud" (one of).</summary>
    public IList<string> Audiences { get; } = new List<string>();

    /// <summary>PEM files with the issuer's public signing keys (RSA or EC), or a JWKS JSON file.</summary>
    public IList<string> SigningKeyFiles { get; } = new List<string>();

    /// <summary>Claim holding Tally role names ("reader", "editor", "admin"); several values → the highest.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Claim used as the display name in the audit trail; falls back to "sub".</summary>
    public string NameClaim { get; set; } = "preferred_username";

    /// <summary>Clock skew allowed on exp/nbf.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    public bool Enabled => !string.IsNullOrWhiteSpace(Issuer);
}
