namespace Tally.Contracts.Events;

/// <summary>A dataset file was loaded, adding or replacing vintages. Add fields, never change meaning.</summary>
public sealed record DatasetLoaded
{
    /// <summary>Unique id of this publication, for de-duplication.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the load completed.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Stable id of the dataset.</summary>
    public required string DatasetId { get; init; }

    /// <summary>Dataset name, such as "ice-detention-stats".</summary>
    public required string DatasetName { get; init; }

    /// <summary>Snapshot holding the uploaded file.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>Vintages the file contributed; answers computed from these must be recomputed.</summary>
    public required IReadOnlyList<string> Vintages { get; init; }

    /// <summary>Rows stored.</summary>
    public long RowsStored { get; init; }

    /// <summary>Rows set aside in the quarantine.</summary>
    public long RowsQuarantined { get; init; }

    /// <summary>Stable subject of whoever made the change ("key:…", "jwt:…", "service", "anonymous"); empty from older publishers.</summary>
    public string ActorSubject { get; init; } = "";

    /// <summary>Display name of whoever made the change, for the audit trail; empty from older publishers.</summary>
    public string ActorName { get; init; } = "";
}
