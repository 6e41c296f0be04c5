using Microsoft.Extensions.Options;
using Tally.Access.V1;
using Tally.Security;

namespace Tally.Definitions.Access;

/// <summary>
/// Checks API keys in the definitions service's own database (every other service asks this one over gRPC), and
/// accepts the one-time bootstrap token as admin — for CreateApiKey only, and only until an admin key exists.
/// </summary>
public sealed class LocalApiKeyVerifier(ApiKeyStore store, BootstrapToken bootstrap, IOptions<AuthOptions> options, TimeProvider clock) : IApiKeyVerifier
{
    /// <summary>Another replica revoked the key: drop this replica's cached row.</summary>
    public void Forget(string keyId) => store.Forget(keyId);

    public async ValueTask<AuthResult> VerifyAsync(string secret, CancellationToken cancellationToken)
    {
        if (ApiKeySecrets.KeyIdOf(secret) == ApiKeySecrets.BootstrapKeyId)
        {
            return await bootstrap.CheckAsync(secret, cancellationToken);
        }

        var row = await store.FindAsync(secret, options.Value.KeyCacheDuration, cancellationToken);
        if (row is null)
        {
            return AuthResult.Unauthenticated("unknown_key", AuthMessages.UnknownKey(secret));
        }

        if (row.RevokedAt is { } revoked)
        {
            return AuthResult.Unauthenticated("revoked", AuthMessages.Revoked(row.KeyId, DateTimeOffset.FromUnixTimeMilliseconds(revoked)));
        }

        if (row.ExpiresAt is { } expires && expires <= clock.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return AuthResult.Unauthenticated("expired", AuthMessages.Expired(row.KeyId, DateTimeOffset.FromUnixTimeMilliseconds(expires)));
        }

        var role = row.RoleValue;
        return role == Role.Unspecified
            ? AuthResult.Denied("unknown_role", $"The API key tly_{row.KeyId}_… has the role '{row.Role}', which Tally does not know.")
            : AuthResult.Ok(new CallerIdentity("key:" + row.KeyId, row.Name, role, "api-key"));
    }
}
