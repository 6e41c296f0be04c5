namespace Tally.Contracts.Events;

/// <summary>A metric definition got a new version (created or updated). Add fields, never change meaning.</summary>
public sealed record MetricDefinitionChanged
{
    /// <summary>Unique id of this publication, for de-duplication.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the new version was stored.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Id of the changed metric.</summary>
    public required string MetricId { get; init; }

    /// <summary>The new version.</summary>
    public required int Version { get; init; }

    /// <summary>The version it replaces; 0 when the metric was created.</summary>
    public required int PreviousVersion { get; init; }

    /// <summary>Catalog version after the change; cached answers keyed on an older one are stale.</summary>
    public required int CatalogVersion { get; init; }

    /// <summary>Who made the change.</summary>
    public string ChangedBy { get; init; } = "";

    /// <summary>Stable subject of whoever made the change ("key:…", "jwt:…", "service", "anonymous"); empty from older publishers.</summary>
    public string ActorSubject { get; init; } = "";

    /// <summary>The change note written with the version; may be empty.</summary>
    public string ChangeNote { get; init; } = "";
}
