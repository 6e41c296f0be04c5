namespace Tally.Contracts.Events;

/// <summary>A document's snapshot was stored (or re-seen) by ingestion. Add fields, never change meaning.</summary>
public sealed record SourceIngested
{
    /// <summary>Unique id of this publication, for de-duplication.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the snapshot was stored.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Source the snapshot belongs to.</summary>
    public required string SourceId { get; init; }

    /// <summary>Id of the stored snapshot.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>SHA-256 of the snapshot bytes, lowercase hex.</summary>
    public required string ContentSha256 { get; init; }

    /// <summary>IANA media type of the snapshot.</summary>
    public string MediaType { get; init; } = "";

    /// <summary>Publisher's version label (e.g. a pull date); empty when none.</summary>
    public string Vintage { get; init; } = "";

    /// <summary>False when identical bytes were already stored for the source (nothing changed).</summary>
    public bool IsNewSnapshot { get; init; } = true;

    /// <summary>The source's previous newest snapshot; empty for its first.</summary>
    public string PreviousSnapshotId { get; init; } = "";

    /// <summary>Stable subject of whoever made the change ("key:…", "jwt:…", "service", "anonymous"); empty from older publishers.</summary>
    public string ActorSubject { get; init; } = "";

    /// <summary>Display name of whoever made the change, for the audit trail; empty from older publishers.</summary>
    public string ActorName { get; init; } = "";

    /// <summary>
    /// Metrics whose stored figures this snapshot added or changed (extracted figures linked to a metric, catalog figures
    /// it now backs), distinct; empty when it changed none (a dataset's file, a document with no linked figures). Null
    /// from older publishers, which did not say: a consumer then assumes any metric may have changed.
    /// </summary>
    public IReadOnlyList<string>? FigureMetricIds { get; init; }
}
