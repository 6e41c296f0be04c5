using Tally.Grpc;

namespace Tally.Security;

/// <summary>The outcome of checking a credential: a caller, or why not (with the status and a message a person can act on).</summary>
public sealed record AuthResult(CallerIdentity? Caller, string? Reason, StatusCode Status, string? Message)
{
    public static AuthResult Ok(CallerIdentity caller) => new(caller, null, StatusCode.OK, null);

    public static AuthResult Unauthenticated(string reason, string message) => new(null, reason, StatusCode.Unauthenticated, message);

    public static AuthResult Denied(string reason, string message) => new(null, reason, StatusCode.PermissionDenied, message);

    public static AuthResult Unavailable(string message) => new(null, "unavailable", StatusCode.Unavailable, message);

    public bool Succeeded => Caller is not null;
}

/// <summary>
/// Checks a "tly_…" API key. The definitions service, which stores the keys, checks them in its own database; every
/// other service asks it over gRPC (with a short cache). Registered by the host.
/// </summary>
public interface IApiKeyVerifier
{
    ValueTask<AuthResult> VerifyAsync(string secret, CancellationToken cancellationToken);

    /// <summary>Drops any cached check of the key <paramref name="keyId"/> (it was revoked): the next call checks it afresh.</summary>
    void Forget(string keyId)
    {
    }
}

/// <summary>Used when a host has neither the key store nor a way to reach it.</summary>
public sealed class UnavailableApiKeyVerifier : IApiKeyVerifier
{
    public ValueTask<AuthResult> VerifyAsync(string secret, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AuthResult.Unavailable("This service cannot check API keys: it has no key store and no address for the definitions service."));
}

/// <summary>
/// Trailer with which the definitions service's AuthenticateApiKey names why it refused a key, so that the asking service
/// counts the refusal alike and can tell it from a refusal of its own service token.
/// </summary>
public static class KeyRefusal
{
    public const string Trailer = "tally-key-refused";
}

/// <summary>Standard messages, so that every service words a failure the same way.</summary>
public static class AuthMessages
{
    public const string HowToGetKey = "An admin creates keys with `./tally keys create --name NAME --role reader|editor|admin`.";

    public static string UnknownKey(string secret) =>
        $"The API key {ApiKeySecrets.Redact(secret)} is not valid (unknown or mistyped). {HowToGetKey}";

    public static string Revoked(string keyId, DateTimeOffset at) =>
        $"The API key tly_{keyId}_… was revoked on {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC. {HowToGetKey}";

    public static string Expired(string keyId, DateTimeOffset at) =>
        $"The API key tly_{keyId}_… expired on {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC. {HowToGetKey}";
}
