namespace Tally.Contracts.Events;

/// <summary>A citation was checked against its snapshot text (on creation or re-check). Add fields, never change meaning.</summary>
public sealed record CitationVerified
{
    /// <summary>Unique id of this publication, for de-duplication.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the check ran.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Id of the citation.</summary>
    public required string CitationId { get; init; }

    /// <summary>Snapshot the citation quotes.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>True when the fragment was found in the snapshot text.</summary>
    public required bool Verified { get; init; }

    /// <summary>True when Verified differs from the previous check (always true on creation).</summary>
    public bool Changed { get; init; }

    /// <summary>What the check found, for people.</summary>
    public string Detail { get; init; } = "";

    /// <summary>Stable subject of whoever made the change ("key:…", "jwt:…", "service", "anonymous"); empty from older publishers.</summary>
    public string ActorSubject { get; init; } = "";

    /// <summary>Display name of whoever made the change, for the audit trail; empty from older publishers.</summary>
    public string ActorName { get; init; } = "";
}
