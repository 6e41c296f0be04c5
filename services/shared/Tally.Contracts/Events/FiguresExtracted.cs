namespace Tally.Contracts.Events;

/// <summary>Figure candidates were extracted from a snapshot and stored unreviewed. Add fields, never change meaning.</summary>
public sealed record FiguresExtracted
{
    /// <summary>Unique id of this publication, for de-duplication.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When extraction finished.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Source of the snapshot.</summary>
    public required string SourceId { get; init; }

    /// <summary>Snapshot the figures were extracted from.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>Number of figures stored.</summary>
    public required int FigureCount { get; init; }

    /// <summary>Metrics the figures were mapped to (distinct); empty when none could be mapped.</summary>
    public IReadOnlyList<string> MetricIds { get; init; } = [];
}
