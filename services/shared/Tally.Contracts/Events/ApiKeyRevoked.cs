namespace Tally.Contracts.Events;

/// <summary>
/// An API key was revoked in the definitions service (which owns keys). Services that cache key checks drop the key at
/// once instead of trusting it until their cache expires. Add fields, never change meaning.
/// </summary>
public sealed record ApiKeyRevoked
{
    /// <summary>Unique id of this publication, for de-duplication.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the key was revoked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Id of the revoked key (the part of "tly_&lt;id&gt;_&lt;secret&gt;" before the secret; never the secret).</summary>
    public required string KeyId { get; init; }

    /// <summary>Stable subject of whoever revoked it ("key:…", "jwt:…").</summary>
    public string ActorSubject { get; init; } = "";

    /// <summary>Display name of whoever revoked it.</summary>
    public string ActorName { get; init; } = "";
}
