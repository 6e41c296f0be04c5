namespace Tally.Datasets.Reading;

/// <summary>
/// A forward-only reader of physical rows (CSV records or worksheet rows). The current row is valid until the
/// next <see cref="ReadAsync"/>; cells are never trimmed or converted here.
/// </summary>
internal interface IRowReader : IAsyncDisposable
{
    /// <summary>Sheet of the current row; null for CSV/TSV.</summary>
    string? Sheet { get; }

    /// <summary>1-based physical row number where the current row starts (CSV: line; XLSX: sheet row), counting header and banner rows.</summary>
    long RowNumber { get; }

    /// <summary>Number of cells in the current row.</summary>
    int CellCount { get; }

    /// <summary>Bytes consumed from the input so far.</summary>
    long BytesRead { get; }

    /// <summary>Why the current row is malformed (e.g. the file ends inside a quoted field); null when it is well formed.</summary>
    string? Problem { get; }

    /// <summary>Finding code of <see cref="Problem"/>.</summary>
    string? ProblemCode { get; }

    /// <summary>True when the current row is the first row of a new sheet (XLSX) or of the file.</summary>
    bool StartsSheet { get; }

    string Cell(int index);

    ValueTask<bool> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>Limits on what one upload may make the engine read.</summary>
public sealed record ReaderLimits
{
    /// <summary>Largest file accepted, in bytes (default 16 GiB).</summary>
    public long MaxBytes { get; init; } = 16L << 30;

    /// <summary>Most data rows accepted (default 200 million).</summary>
    public long MaxRows { get; init; } = 200_000_000;

    /// <summary>Longest single cell, in characters; longer cells are cut and their row quarantined (default 1 Mi).</summary>
    public int MaxCellChars { get; init; } = 1 << 20;

    /// <summary>Most cells in one row (default 4096).</summary>
    public int MaxCells { get; init; } = 4096;

    /// <summary>Largest uncompressed size of one workbook part (default 512 MiB).</summary>
    public long MaxXlsxEntryBytes { get; init; } = 512L << 20;

    /// <summary>Largest uncompressed size of a whole workbook (default 2 GiB).</summary>
    public long MaxXlsxUncompressedBytes { get; init; } = 2L << 30;

    /// <summary>Highest compression ratio accepted for a workbook part larger than 1 MiB (default 200).</summary>
    public int MaxXlsxCompressionRatio { get; init; } = 200;

    /// <summary>Most parts (zip entries) in a workbook (default 10,000).</summary>
    public int MaxXlsxEntries { get; init; } = 10_000;

    /// <summary>Rows searched for a header when the spec does not give header_row (default 50).</summary>
    public int MaxHeaderSearchRows { get; init; } = 50;
}

/// <summary>The upload breaks a limit; the ingestion service maps this to RESOURCE_EXHAUSTED.</summary>
public sealed class DatasetLimitException(string message) : Exception(message);

/// <summary>The file cannot be read as the format it claims to be (maps to INVALID_ARGUMENT).</summary>
public sealed class DatasetFormatException(string message, Exception? inner = null) : Exception(message, inner);
