using System.ComponentModel.DataAnnotations;
using Tally.Datasets.Reading;

namespace Tally.Datasets;

/// <summary>Limits and behaviour of the dataset engine. Bound from "Tally:Datasets".</summary>
public sealed class DatasetEngineOptions
{
    public const string Section = "Tally:Datasets";

    /// <summary>Largest upload accepted, in bytes (default 16 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxBytes { get; set; } = 16L << 30;

    /// <summary>Most data rows one upload may hold (default 200 million).</summary>
    [Range(1, long.MaxValue)]
    public long MaxRows { get; set; } = 200_000_000;

    /// <summary>
    /// Most rows one dataset may hold: the rows of all its vintages (every table) plus the upload being loaded
    /// (default 1 billion). A load past it is refused with RESOURCE_EXHAUSTED and changes nothing.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxRowsPerDataset { get; set; } = 1_000_000_000;

    /// <summary>Longest cell in characters; longer cells quarantine their row (default 1 Mi).</summary>
    [Range(16, int.MaxValue)]
    public int MaxCellChars { get; set; } = 1 << 20;

    /// <summary>Largest uncompressed workbook part, in bytes (default 512 MiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxXlsxEntryBytes { get; set; } = 512L << 20;

    /// <summary>Largest uncompressed workbook, in bytes (default 2 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxXlsxUncompressedBytes { get; set; } = 2L << 30;

    /// <summary>Most parts (zip entries) in a workbook (default 10,000; real workbooks have tens to a few thousand).</summary>
    [Range(1, 10_000_000)]
    public int MaxXlsxEntries { get; set; } = 10_000;

    /// <summary>Highest compression ratio of a workbook part over 1 MiB (default 200).</summary>
    [Range(2, 100_000)]
    public int MaxXlsxCompressionRatio { get; set; } = 200;

    /// <summary>Rows searched for a header below banner rows when a spec gives no header_row (default 50).</summary>
    [Range(1, 10_000)]
    public int MaxHeaderSearchRows { get; set; } = 50;

    /// <summary>
    /// Row keys a load holds in memory (as 64-bit hashes with their filing, 16 bytes each) to find the filings that may
    /// repeat a key, so the duplicate-key scan in SQL runs only for those (default 1 Mi: 16 MB, 24 MB while the array
    /// grows). Past it the held keys are sorted and written to a temporary file in <see cref="TempDirectory"/> (16 bytes
    /// a row; 160 MB for 10M rows) and the sorted runs are merged after the last row. 0 keeps none: every filing is scanned.
    /// </summary>
    [Range(0, 100_000_000)]
    public int KeyFilterBudget { get; set; } = 1 << 20;

    /// <summary>Rows per SQLite transaction while staging (default 50,000).</summary>
    [Range(1, 10_000_000)]
    public int BatchRows { get; set; } = 50_000;

    /// <summary>
    /// Blocks of <see cref="HandOverRows"/> CSV/TSV rows that may be read ahead of the rows being converted and checked
    /// (default 4). With 2 or more, receiving the bytes, decoding them and splitting records into cells run on a task of
    /// their own; 0 reads on the loading task.
    /// </summary>
    [Range(0, 1024)]
    public int ReadAheadBlocks { get; set; } = 4;

    /// <summary>
    /// Batches of <see cref="HandOverRows"/> converted rows that may wait to be stored (default 4). With 2 or more, rows
    /// are stored by a task of their own while the next ones are read and checked; 0 converts and stores on one task.
    /// With both this and <see cref="ReadAheadBlocks"/> at 0 a load runs on a single task (a single-core host).
    /// </summary>
    [Range(0, 1024)]
    public int StagingQueueBatches { get; set; } = 4;

    /// <summary>Rows handed from one of a load's tasks to the next at a time (default 1,024).</summary>
    [Range(1, 1_000_000)]
    public int HandOverRows { get; set; } = 1024;

    /// <summary>Directory of dataset specs (catalog/datasets); null for none. Used when an upload brings no spec.</summary>
    public string? SpecDirectory { get; set; }

    /// <summary>Infer a spec from the file when none is given or registered (the summary carries it); false to refuse.</summary>
    public bool InferWhenNoSpec { get; set; } = true;

    /// <summary>Rows sampled to infer a spec (default 1,000).</summary>
    [Range(10, 1_000_000)]
    public int InferSampleRows { get; set; } = 1000;

    /// <summary>Where workbooks are spooled while they are checked and parsed, and where a large load's key runs are written (default: the system temp directory).</summary>
    public string? TempDirectory { get; set; }

    /// <summary>Least time between two progress reports, in milliseconds (default 250).</summary>
    [Range(0, 60_000)]
    public int ProgressIntervalMs { get; set; } = 250;

    internal ReaderLimits Limits => new()
    {
        MaxBytes = MaxBytes,
        MaxRows = MaxRows,
        MaxCellChars = MaxCellChars,
        MaxXlsxEntryBytes = MaxXlsxEntryBytes,
        MaxXlsxUncompressedBytes = MaxXlsxUncompressedBytes,
        MaxXlsxCompressionRatio = MaxXlsxCompressionRatio,
        MaxXlsxEntries = MaxXlsxEntries,
        MaxHeaderSearchRows = MaxHeaderSearchRows,
    };
}
