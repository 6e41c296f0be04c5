using System.ComponentModel.DataAnnotations;

namespace Tally.Ingestion;

/// <summary>Limits and tools of document ingestion. Bound from "Tally:Ingestion" and validated at start.</summary>
public sealed class IngestionOptions
{
    public const string Section = "Tally:Ingestion";

    /// <summary>Largest document accepted, in bytes (default 20 MiB); larger uploads get RESOURCE_EXHAUSTED naming the limit.</summary>
    [Range(1, int.MaxValue - (1024 * 1024), ErrorMessage = "Tally:Ingestion:MaxDocumentBytes must be between 1 and 2 GiB.")]
    public long MaxDocumentBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>
    /// Longest extracted text (in characters) that figure candidates are extracted from (default 2,000,000, a few
    /// seconds of analysis). Longer texts are stored without candidates and the response says so.
    /// </summary>
    [Range(0, int.MaxValue, ErrorMessage = "Tally:Ingestion:MaxFigureExtractionChars must be 0 or more.")]
    public int MaxFigureExtractionChars { get; set; } = 2_000_000;

    /// <summary>The pdftotext executable (Debian/Ubuntu: apt-get install poppler-utils).</summary>
    [Required(AllowEmptyStrings = false)]
    public string PdfToTextPath { get; set; } = "pdftotext";

    /// <summary>How long pdftotext may run on one document, in seconds; past it the tool is killed and the upload gets RESOURCE_EXHAUSTED.</summary>
    [Range(1, 3600, ErrorMessage = "Tally:Ingestion:PdfTimeoutSeconds must be between 1 and 3600.")]
    public int PdfTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// Longest text extracted from one document, in characters (default 32 Mi). pdftotext is stopped when its output
    /// passes it, so a small PDF whose compressed streams inflate to gigabytes costs no more; RESOURCE_EXHAUSTED.
    /// </summary>
    [Range(1024, int.MaxValue, ErrorMessage = "Tally:Ingestion:MaxExtractedTextChars must be at least 1024.")]
    public int MaxExtractedTextChars { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Largest dataset upload whose bytes are kept in its snapshot, in bytes (default 16 MiB; CSV/TSV also keep their
    /// text, so citations into the file verify). Larger uploads are loaded all the same; their snapshot records the
    /// hash, size and name only. The copy is held in memory while the upload streams, so this bounds that memory.
    /// </summary>
    [Range(0, int.MaxValue, ErrorMessage = "Tally:Ingestion:MaxDatasetSnapshotBytes must be between 0 and 2 GiB.")]
    public long MaxDatasetSnapshotBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Deadline of calls to the metric-definition and citation services, in seconds.</summary>
    [Range(1, 300, ErrorMessage = "Tally:Ingestion:ServiceCallTimeoutSeconds must be between 1 and 300.")]
    public int ServiceCallTimeoutSeconds { get; set; } = 10;
}
