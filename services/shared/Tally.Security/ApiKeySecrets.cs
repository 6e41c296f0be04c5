using System.Security.Cryptography;
using System.Text;

namespace Tally.Security;

/// <summary>
/// API key secrets: "tly_&lt;key_id&gt;_&lt;secret&gt;". The key id (10 lowercase base-32 characters) is public and names the
/// key in lists, logs and the audit trail; the secret part is 32 random bytes (base64url). Only the SHA-256 of the
/// whole string is stored — a fast hash is enough for 256 random bits, which cannot be guessed from it.
/// </summary>
public static class ApiKeySecrets
{
    public const string Prefix = "tly_";

    /// <summary>Key id of the one-time bootstrap token (see docs/security.md, "The first admin key").</summary>
    public const string BootstrapKeyId = "bootstrap";

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>A new key: its id and the full secret to hand out.</summary>
    public static (string KeyId, string Secret) Create()
    {
        Span<byte> idBytes = stackalloc byte[10];
        RandomNumberGenerator.Fill(idBytes);
        var id = new StringBuilder(10);
        foreach (var b in idBytes)
        {
            id.Append(Base32[b & 31]);
        }

        return (id.ToString(), Compose(id.ToString()));
    }

    /// <summary>A secret for <paramref name="keyId"/> with fresh random bytes.</summary>
    public static string Compose(string keyId) =>
        Prefix + keyId + "_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Whether <paramref name="token"/> has the shape of a Tally API key (it may still be unknown).</summary>
    public static bool LooksLikeKey(string token) => token.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The key id of a well-formed secret, or null.</summary>
    public static string? KeyIdOf(string secret)
    {
        if (!LooksLikeKey(secret)) return null;
        var end = secret.IndexOf('_', Prefix.Length);
        if (end <= Prefix.Length || end == secret.Length - 1 || secret.Length > 200) return null;
        var id = secret[Prefix.Length..end];
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c)) return null;
        }

        return id;
    }

    /// <summary>SHA-256 of the secret, lowercase hex: what the store keeps.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Constant-time comparison of two hashes (or tokens).</summary>
    public static bool SameSecret(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    /// <summary>"tly_abc…" — enough to recognise a key in a message without revealing it.</summary>
    public static string Redact(string token) =>
        KeyIdOf(token) is { } id ? $"{Prefix}{id}_…" : token.Length <= 4 ? "…" : token[..4] + "…";
}
