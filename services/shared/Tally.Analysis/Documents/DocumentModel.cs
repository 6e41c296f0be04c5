namespace Tally.Analysis;

/// <summary>The document formats <see cref="DocumentTextExtractor"/> reads.</summary>
public enum DocumentType
{
    PlainText,
    Markdown,
    Html,
    Pdf,
}

/// <summary>Text extracted from a document.</summary>
public sealed record ExtractedDocument
{
    /// <summary>The readable text: paragraphs separated by blank lines, list items by line breaks (prefixed "• ").</summary>
    public required string Text { get; init; }

    public required DocumentType Type { get; init; }

    /// <summary>The canonical media type of <see cref="Type"/> ("application/pdf").</summary>
    public required string MediaType { get; init; }

    /// <summary>The HTML &lt;title&gt; or the first Markdown heading, when there is one.</summary>
    public string? Title { get; init; }

    /// <summary>For PDFs: the offset in <see cref="Text"/> where each page starts (page N at index N-1). Empty otherwise.</summary>
    public IReadOnlyList<int> PageStarts { get; init; } = [];

    /// <summary>The 1-based page containing <paramref name="offset"/>, or null for documents without pages.</summary>
    public int? PageAt(int offset)
    {
        if (PageStarts.Count == 0)
        {
            return null;
        }

        var page = 1;
        for (var i = 1; i < PageStarts.Count && PageStarts[i] <= offset; i++)
        {
            page = i + 1;
        }

        return page;
    }
}

/// <summary>Limits and tools for <see cref="DocumentTextExtractor"/>.</summary>
public sealed class DocumentExtractionOptions
{
    /// <summary>The pdftotext executable (Debian/Ubuntu: apt-get install poppler-utils).</summary>
    public string PdfToTextPath { get; set; } = "pdftotext";

    /// <summary>How long pdftotext may run before it is stopped.</summary>
    public TimeSpan PdfTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest accepted input, in bytes.</summary>
    public long MaxInputBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest accepted extracted text, in characters. pdftotext's output is cut off (and the tool stopped) here, so a
    /// small PDF whose compressed streams inflate to gigabytes of text costs no more than this.</summary>
    public int MaxTextChars { get; set; } = 32 * 1024 * 1024;

    /// <summary>How the host names <see cref="PdfTimeout"/> in error messages (e.g. its configuration key).</summary>
    public string PdfTimeoutSetting { get; set; } = "DocumentExtractionOptions.PdfTimeout";

    /// <summary>How the host names <see cref="MaxTextChars"/> in error messages.</summary>
    public string MaxTextCharsSetting { get; set; } = "DocumentExtractionOptions.MaxTextChars";
}

/// <summary>Base type of every extraction failure; the message says what to do.</summary>
public class DocumentExtractionException : Exception
{
    public DocumentExtractionException()
    {
    }

    public DocumentExtractionException(string message)
        : base(message)
    {
    }

    public DocumentExtractionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The content is in a format this library does not read.</summary>
public sealed class UnsupportedDocumentTypeException : DocumentExtractionException
{
    public UnsupportedDocumentTypeException()
    {
    }

    public UnsupportedDocumentTypeException(string message)
        : base(message)
    {
    }

    public UnsupportedDocumentTypeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The document was read but holds no text (e.g. a scanned PDF without a text layer).</summary>
public sealed class NoExtractableTextException : DocumentExtractionException
{
    public NoExtractableTextException()
    {
    }

    public NoExtractableTextException(string message)
        : base(message)
    {
    }

    public NoExtractableTextException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The extractor (pdftotext) did not finish within its time limit and was stopped.</summary>
public sealed class DocumentExtractionTimeoutException : DocumentExtractionException
{
    public DocumentExtractionTimeoutException()
    {
    }

    public DocumentExtractionTimeoutException(string message)
        : base(message)
    {
    }

    public DocumentExtractionTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A PDF arrived but pdftotext is not installed.</summary>
public sealed class PdfToolMissingException : DocumentExtractionException
{
    public PdfToolMissingException()
    {
    }

    public PdfToolMissingException(string message)
        : base(message)
    {
    }

    public PdfToolMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The input or its text exceeds the configured limits.</summary>
public sealed class DocumentTooLargeException : DocumentExtractionException
{
    public DocumentTooLargeException()
    {
    }

    public DocumentTooLargeException(string message)
        : base(message)
    {
    }

    public DocumentTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
