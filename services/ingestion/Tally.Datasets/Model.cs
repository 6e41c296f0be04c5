using Tally.Datasets.Specs;

namespace Tally.Datasets;

/// <summary>What an upload is (the gRPC DatasetHeader, minus the source registration the service does itself).</summary>
public sealed record DatasetUpload
{
    /// <summary>
    /// Dataset name, a lowercase slug such as "ice-detention-stats"; uploads with the same name are vintages of one
    /// dataset. Empty: the spec's dataset, else the catalog dataset whose file patterns match <see cref="FileName"/>,
    /// else a slug of the file name (<see cref="DatasetEngine.DatasetNameFor"/>).
    /// </summary>
    public required string DatasetName { get; init; }

    /// <summary>Original file name; chooses the table (spec 'files' patterns) and the format when not stated.</summary>
    public required string FileName { get; init; }

    public DatasetFileFormat Format { get; init; } = DatasetFileFormat.Auto;

    /// <summary>Spec YAML for this upload; null to use the dataset's stored spec, then the catalog's, then an inferred one.</summary>
    public string? SpecYaml { get; init; }

    /// <summary>Vintage label for tables without vintage columns (e.g. "2024-10-01"); null to label by content hash.</summary>
    public string? Vintage { get; init; }

    /// <summary>Bytes the client will send, for progress; 0 when unknown.</summary>
    public long ExpectedBytes { get; init; }

    /// <summary>SHA-256 of the whole file (lowercase hex) checked at the end; null to skip.</summary>
    public string? ExpectedSha256 { get; init; }

    /// <summary>Snapshot that holds the uploaded bytes (kept with the load for citations); optional.</summary>
    public string? SnapshotId { get; init; }

    /// <summary>
    /// True to record the upload's SHA-256 (lowercase hex) as its snapshot id, as the ingestion service names its
    /// snapshots (the hash is only known once the last byte is read); <see cref="SnapshotId"/> is then ignored.
    /// </summary>
    public bool SnapshotIdIsContentHash { get; init; }

    /// <summary>Source the dataset belongs to; optional, recorded the first time.</summary>
    public string? SourceId { get; init; }
}

/// <summary>Stage of a load (the proto's IngestDatasetProgress.Phase).</summary>
public enum LoadPhase
{
    /// <summary>Bytes are arriving; CSV/TSV rows are parsed and staged as they arrive.</summary>
    Receiving = 1,
    /// <summary>All bytes received; a workbook is being parsed.</summary>
    Parsing = 2,
    /// <summary>Rows are checked (keys, totals, vintages) and the load is switched in.</summary>
    Storing = 3,
    /// <summary>Done; <see cref="LoadProgress.Summary"/> is set.</summary>
    Completed = 4,
}

/// <summary>A progress report; rows read = rows stored + rows quarantined at every report.</summary>
public sealed record LoadProgress(
    LoadPhase Phase,
    long BytesReceived,
    long TotalBytes,
    long RowsRead,
    long RowsStored,
    long RowsQuarantined,
    double BytesPerSecond,
    string Message,
    LoadSummary? Summary);

/// <summary>How serious a finding is. An <see cref="Error"/> on a vintage makes it suspect: queries skip it and say why.</summary>
public enum FindingSeverity
{
    Info = 1,
    Warning = 2,
    Error = 3,
}

/// <summary>A validation finding about a load, a table or one vintage.</summary>
/// <param name="Code">Stable UPPER_SNAKE code, such as "TOTAL_MISMATCH" or "MISLABELLED_FISCAL_YEAR".</param>
/// <param name="RowCount">Rows (or groups, for totals) concerned; 0 when about the file or vintage as a whole.</param>
/// <param name="Vintage">Vintage label the finding is attached to; null for load-level findings.</param>
public sealed record Finding(
    FindingSeverity Severity,
    string Code,
    string Message,
    long RowCount,
    string? Example,
    string? Table,
    string? Vintage);

/// <summary>Outcome of a load (the proto's DatasetLoadSummary).</summary>
/// <param name="Vintages">Vintage labels the file contributed to, new or existing (a file filed twice names the existing one).</param>
/// <param name="BlankRows">Empty rows skipped (not data, not counted as read).</param>
/// <param name="InferredSpecYaml">The spec inferred for this load when none was given; save it to catalog/datasets to make it explicit.</param>
public sealed record LoadSummary(
    string DatasetId,
    string DatasetName,
    string LoadId,
    string? SnapshotId,
    string ContentSha256,
    IReadOnlyList<string> Vintages,
    IReadOnlyList<string> Tables,
    long RowsRead,
    long RowsStored,
    long RowsQuarantined,
    long BlankRows,
    bool AlreadyExisted,
    IReadOnlyList<Finding> Findings,
    string? InferredSpecYaml);

/// <summary>One table of a dataset.</summary>
public sealed record TableInfo(string Name, IReadOnlyList<string> Columns, long RowCount);

/// <summary>One vintage of one table.</summary>
/// <param name="Label">Stable label: the vintage date ("2023-09-30"), or date/published date when one pull was filed with different contents.</param>
/// <param name="Files">Every file the vintage was filed in (identical content filed twice is one vintage).</param>
/// <param name="Suspect">True when an error finding is attached: queries never use it silently.</param>
/// <param name="Note">Why it is suspect (the error findings' codes and messages); null when not.</param>
public sealed record VintageInfo(
    string Id,
    string Table,
    string Label,
    DateOnly? VintageDate,
    DateOnly? PublishedDate,
    IReadOnlyList<int> FiscalYears,
    long RowCount,
    bool Suspect,
    string? Note,
    string LoadId,
    string? SnapshotId,
    IReadOnlyList<string> Files,
    DateTimeOffset LoadedAt);

/// <summary>A dataset with its tables and vintages (newest first).</summary>
public sealed record DatasetInfo(
    string Id,
    string Name,
    string? Description,
    string? SourceId,
    DatasetSource? Source,
    IReadOnlyList<TableInfo> Tables,
    IReadOnlyList<VintageInfo> Vintages);

/// <summary>A row set aside during a load.</summary>
public sealed record QuarantinedRow(
    string DatasetId,
    string LoadId,
    string? SnapshotId,
    string FileName,
    string? Table,
    string? Sheet,
    long RowNumber,
    string? Column,
    string Code,
    string Reason,
    string Raw);

/// <summary>A page of quarantined rows, ordered by load, sheet and row number.</summary>
public sealed record QuarantinePage(IReadOnlyList<QuarantinedRow> Rows, string? NextPageToken, long TotalSize);

/// <summary>Errors the ingestion service maps to gRPC statuses.</summary>
public enum DatasetErrorKind
{
    InvalidArgument,
    NotFound,
    FailedPrecondition,
    ResourceExhausted,
}

/// <summary>A request the engine refuses, with a message a person can act on.</summary>
public sealed class DatasetException(DatasetErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public DatasetErrorKind Kind { get; } = kind;
}
