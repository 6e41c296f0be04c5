using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Tally.Access.V1;
using Tally.Grpc;
using Tally.Security;

namespace Tally.Hosting;

/// <summary>
/// How ingestion, citations and query check an API key: they ask the definitions service, which stores the keys
/// (AccessService.AuthenticateApiKey, with the service token). An accepted key is trusted for
/// <see cref="AuthOptions.KeyCacheDuration"/> — a revocation reaches these services within that time — and a refused
/// one for a few seconds, so a flood of bad keys does not become a flood of lookups.
/// </summary>
public sealed class RemoteApiKeyVerifier(AccessService.AccessServiceClient access, IOptions<AuthOptions> options, TimeProvider clock) : IApiKeyVerifier
{
    private static readonly TimeSpan RefusalCache = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (AuthResult Result, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>The key was revoked (ApiKeyRevoked from the definitions service): its cached acceptance goes now, not when it expires.</summary>
    public void Forget(string keyId)
    {
        var subject = "key:" + keyId;
        foreach (var entry in _cache.Where(c => c.Value.Result.Caller?.Subject == subject).ToList())
        {
            _cache.TryRemove(entry.Key, out _);
        }
    }

    public async ValueTask<AuthResult> VerifyAsync(string secret, CancellationToken cancellationToken)
    {
        var hash = ApiKeySecrets.Hash(secret);
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            return cached.Result;
        }

        if (options.Value.ServiceToken is not { Length: > 0 } serviceToken)
        {
            return AuthResult.Unavailable(
                "This service cannot check API keys: Tally:Auth:ServiceToken is not set, so it cannot ask the definitions service. Set the same token on every service.");
        }

        AuthResult result;
        try
        {
            var response = await access.AuthenticateApiKeyAsync(new AuthenticateApiKeyRequest { Secret = secret },
                new Metadata { { "authorization", "Bearer " + serviceToken } }, DateTime.UtcNow + LookupTimeout, cancellationToken);
            var key = response.Key;
            result = AuthResult.Ok(new CallerIdentity("key:" + key.KeyId, key.Name, key.Role, "api-key"));
        }
        catch (RpcException e) when (e.Trailers.GetValue(KeyRefusal.Trailer) is { } reason)
        {
            // The definitions service refused the key itself; the reason is counted here the same way.
            result = e.StatusCode == StatusCode.PermissionDenied ? AuthResult.Denied(reason, e.Status.Detail) : AuthResult.Unauthenticated(reason, e.Status.Detail);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            return AuthResult.Unavailable(
                $"This service cannot check API keys: the definitions service refused its Tally:Auth:ServiceToken ({e.Status.Detail}). " +
                "Every service needs the same service token.");
        }
        catch (RpcException e)
        {
            return AuthResult.Unavailable($"The definitions service, which checks API keys, did not answer ({e.StatusCode}: {e.Status.Detail}). Retry shortly.");
        }

        _cache[hash] = (result, now + (result.Succeeded ? options.Value.KeyCacheDuration : RefusalCache));
        if (_cache.Count > 10_000)
        {
            foreach (var stale in _cache.Where(c => c.Value.Until <= now).Select(c => c.Key).ToList())
            {
                _cache.TryRemove(stale, out _);
            }
        }

        return result;
    }
}
