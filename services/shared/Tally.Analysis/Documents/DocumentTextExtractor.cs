using System.Text;

namespace Tally.Analysis;

/// <summary>
/// Turns a document's bytes into plain text: text/plain, Markdown (markup removed lightly), HTML (AngleSharp, no
/// resource loading, scripts/styles/iframes/SVG dropped, blocks → line breaks) and PDF (the pdftotext CLI).
/// The type is detected from the content first (%PDF, &lt;html / &lt;!doctype), then from the media type or file
/// name. The only I/O is reading the given stream and, for PDFs, running pdftotext.
/// </summary>
public sealed class DocumentTextExtractor
{
    /// <summary>Human-readable list of what is supported, used in error messages.</summary>
    public const string SupportedTypes =
        "text/plain (.txt), text/markdown (.md, .markdown), text/html (.html, .htm, .xhtml), application/pdf (.pdf)";

    private readonly DocumentExtractionOptions _options;

    public DocumentTextExtractor(DocumentExtractionOptions? options = null)
    {
        _options = options ?? new DocumentExtractionOptions();
    }

    public async Task<ExtractedDocument> ExtractAsync(Stream content, string mediaTypeOrFileName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var bytes = await ReadCappedAsync(content, cancellationToken).ConfigureAwait(false);
        return await ExtractAsync(bytes, mediaTypeOrFileName, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ExtractedDocument> ExtractAsync(byte[] content, string mediaTypeOrFileName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.LongLength > _options.MaxInputBytes)
        {
            throw TooLarge(content.LongLength);
        }

        var type = DetectType(content, mediaTypeOrFileName);
        if (type is not { } t)
        {
            var what = string.IsNullOrWhiteSpace(mediaTypeOrFileName) ? "content of unknown type" : $"'{mediaTypeOrFileName}'";
            throw new UnsupportedDocumentTypeException(
                $"Cannot extract text from {what}{(LooksBinary(content) ? " (binary content)" : string.Empty)}. Supported: {SupportedTypes}.");
        }

        if (t is DocumentType.PlainText or DocumentType.Markdown && LooksBinary(content))
        {
            throw new UnsupportedDocumentTypeException(
                $"'{mediaTypeOrFileName}' was declared as text but the content is binary. Supported: {SupportedTypes}.");
        }

        ExtractedDocument doc = t switch
        {
            DocumentType.Pdf => await new PdfTextExtractor(_options).ExtractAsync(content, cancellationToken).ConfigureAwait(false),
            DocumentType.Html => await HtmlTextExtractor.ExtractAsync(content, cancellationToken).ConfigureAwait(false),
            DocumentType.Markdown => MarkdownTextExtractor.Extract(DecodeText(content)),
            _ => new ExtractedDocument { Text = TidyPlainText(DecodeText(content)), Type = DocumentType.PlainText, MediaType = "text/plain" },
        };

        if (doc.Text.Length > _options.MaxTextChars)
        {
            throw new DocumentTooLargeException(
                $"The extracted text has {doc.Text.Length:N0} characters, more than the limit of {_options.MaxTextChars:N0} ({_options.MaxTextCharsSetting}).");
        }

        if (string.IsNullOrWhiteSpace(doc.Text))
        {
            throw new NoExtractableTextException(t == DocumentType.Pdf
                ? "The PDF has no extractable text: it is probably scanned images without a text layer; run OCR first (e.g. ocrmypdf) and ingest the result."
                : $"The {doc.MediaType} document has no extractable text (it is empty or holds only markup).");
        }

        return doc;
    }

    /// <summary>
    /// The document type from magic bytes first, then the media type or file name; null if unsupported.
    /// An empty or "application/octet-stream" hint falls back to sniffing UTF-8 text.
    /// </summary>
    public static DocumentType? DetectType(ReadOnlySpan<byte> content, string? mediaTypeOrFileName)
    {
        var head = content[..Math.Min(content.Length, 1024)];
        if (head.IndexOf("%PDF-"u8) >= 0)
        {
            return DocumentType.Pdf;
        }

        if (LooksLikeHtml(head))
        {
            return DocumentType.Html;
        }

        if (HasOtherMagic(head))
        {
            return null; // zip (docx/xlsx), OLE (doc/xls), images: never text, whatever the name says
        }

        var hint = (mediaTypeOrFileName ?? string.Empty).Trim().ToLowerInvariant();
        var semi = hint.IndexOf(';', StringComparison.Ordinal);
        if (semi >= 0)
        {
            hint = hint[..semi].Trim();
        }

        if (!hint.Contains('/', StringComparison.Ordinal))
        {
            var ext = Path.GetExtension(hint);
            hint = ext.Length > 0 ? ext : hint.Length > 0 ? "." + hint : hint;
        }

        return hint switch
        {
            "text/plain" or ".txt" or ".text" => DocumentType.PlainText,
            "text/markdown" or "text/x-markdown" or ".md" or ".markdown" or ".mdown" => DocumentType.Markdown,
            "text/html" or "application/xhtml+xml" or ".html" or ".htm" or ".xhtml" => DocumentType.Html,
            "application/pdf" or "application/x-pdf" or ".pdf" => DocumentType.Pdf,
            "" or "application/octet-stream" or ".bin" when !LooksBinary(content) && IsUtf8(content) => DocumentType.PlainText,
            _ => null,
        };
    }

    private async Task<byte[]> ReadCappedAsync(Stream content, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > _options.MaxInputBytes)
            {
                throw TooLarge(buffer.Length + read);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private DocumentTooLargeException TooLarge(long size) => new(
        $"The document is larger than the limit of {_options.MaxInputBytes:N0} bytes (read {size:N0}); raise DocumentExtractionOptions.MaxInputBytes if this is expected.");

    private static bool LooksLikeHtml(ReadOnlySpan<byte> head)
    {
        var s = SkipBomAndWhitespace(head);
        if (s.Length == 0 || s[0] != (byte)'<')
        {
            return false;
        }

        Span<byte> lower = stackalloc byte[Math.Min(s.Length, 1024)];
        for (var i = 0; i < lower.Length; i++)
        {
            lower[i] = s[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(s[i] + 32) : s[i];
        }

        return lower.StartsWith("<!doctype html"u8) || lower.StartsWith("<html"u8) || lower.StartsWith("<head"u8) ||
               lower.StartsWith("<body"u8) || ((lower.StartsWith("<?xml"u8) || lower.StartsWith("<!--"u8)) && lower.IndexOf("<html"u8) >= 0);
    }

    private static ReadOnlySpan<byte> SkipBomAndWhitespace(ReadOnlySpan<byte> s)
    {
        if (s.StartsWith(Utf8Bom))
        {
            s = s[3..];
        }

        var i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return s[i..];
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> OleMagic => [0xD0, 0xCF, 0x11, 0xE0];

    private static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47];

    private static ReadOnlySpan<byte> JpegMagic => [0xFF, 0xD8, 0xFF];

    private static ReadOnlySpan<byte> GzipMagic => [0x1F, 0x8B];

    private static ReadOnlySpan<byte> Utf16LeBom => [0xFF, 0xFE];

    private static ReadOnlySpan<byte> Utf16BeBom => [0xFE, 0xFF];

    private static bool HasOtherMagic(ReadOnlySpan<byte> head) =>
        head.StartsWith("PK\x03\x04"u8) || head.StartsWith(OleMagic) || head.StartsWith(PngMagic) ||
        head.StartsWith(JpegMagic) || head.StartsWith("GIF8"u8) || head.StartsWith(GzipMagic);

    private static bool LooksBinary(ReadOnlySpan<byte> content)
    {
        // UTF-16 with a BOM is text; otherwise a NUL byte in the first 8 KB means binary
        if (content.StartsWith(Utf16LeBom) || content.StartsWith(Utf16BeBom))
        {
            return false;
        }

        return content[..Math.Min(content.Length, 8192)].IndexOf((byte)0) >= 0;
    }

    private static bool IsUtf8(ReadOnlySpan<byte> content) => System.Text.Unicode.Utf8.IsValid(content);

    /// <summary>Decodes text honouring a BOM; invalid UTF-8 falls back to Latin-1 (nothing is dropped).</summary>
    internal static string DecodeText(byte[] content)
    {
        var span = content.AsSpan();
        if (span.StartsWith(Utf8Bom))
        {
            return Encoding.UTF8.GetString(span[3..]);
        }

        if (span.StartsWith(Utf16LeBom))
        {
            return Encoding.Unicode.GetString(span[2..]);
        }

        if (span.StartsWith(Utf16BeBom))
        {
            return Encoding.BigEndianUnicode.GetString(span[2..]);
        }

        return IsUtf8(span) ? Encoding.UTF8.GetString(span) : Encoding.Latin1.GetString(span);
    }

    /// <summary>Line endings → '\n', trailing spaces trimmed, runs of blank lines → one.</summary>
    internal static string TidyPlainText(string text)
    {
        var sb = new StringBuilder(text.Length);
        var blank = 0;
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.Length == 0)
            {
                blank++;
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append(blank > 0 ? "\n\n" : "\n");
            }

            blank = 0;
            sb.Append(line);
        }

        return sb.ToString();
    }
}
