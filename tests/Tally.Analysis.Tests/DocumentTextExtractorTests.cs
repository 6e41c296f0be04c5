using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tally.Analysis.Tests;

public sealed class DocumentTextExtractorTests
{
    private static readonly DocumentTextExtractor Extractor = new();

    private static Task<ExtractedDocument> Extract(string content, string hint) =>
        Extractor.ExtractAsync(Encoding.UTF8.GetBytes(content), hint, CancellationToken.None);

    // ---------------------------------------------------------------- detection

    [Theory]
    [InlineData("%PDF-1.7\n...", "notes.txt", DocumentType.Pdf)]
    [InlineData("<!DOCTYPE html><html><body>x</body></html>", "notes.txt", DocumentType.Html)]
    [InlineData("  \n<html><body>x</body></html>", "", DocumentType.Html)]
    [InlineData("<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>x</body></html>", "page.xml", DocumentType.Html)]
    [InlineData("plain words", "text/plain; charset=utf-8", DocumentType.PlainText)]
    [InlineData("plain words", "README.TXT", DocumentType.PlainText)]
    [InlineData("# Title", "notes.md", DocumentType.Markdown)]
    [InlineData("# Title", "text/markdown", DocumentType.Markdown)]
    [InlineData("<p>fragment</p>", "text/html", DocumentType.Html)]
    [InlineData("<p>fragment</p>", "page.htm", DocumentType.Html)]
    [InlineData("anything", "application/pdf", DocumentType.Pdf)]
    [InlineData("plain words", "application/octet-stream", DocumentType.PlainText)]
    [InlineData("plain words", "", DocumentType.PlainText)]
    [InlineData("pdf", "pdf", DocumentType.Pdf)]
    public void DetectType_MagicBytesThenHint_PicksType(string content, string hint, DocumentType expected)
    {
        Assert.Equal(expected, DocumentTextExtractor.DetectType(Encoding.UTF8.GetBytes(content), hint));
    }

    [Theory]
    [InlineData("a,b\n1,2", "data.csv")]
    [InlineData("x", "image/png")]
    [InlineData("x", "report.docx")]
    public void DetectType_UnsupportedHint_ReturnsNull(string content, string hint)
    {
        Assert.Null(DocumentTextExtractor.DetectType(Encoding.UTF8.GetBytes(content), hint));
    }

    [Fact]
    public void DetectType_ZipMagicNamedTxt_ReturnsNull()
    {
        Assert.Null(DocumentTextExtractor.DetectType([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00], "notes.txt"));
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public async Task ExtractAsync_UnsupportedType_ListsSupportedTypes()
    {
        var ex = await Assert.ThrowsAsync<UnsupportedDocumentTypeException>(() => Extract("a,b\n1,2", "data.csv"));
        Assert.Contains("'data.csv'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("text/plain", ex.Message, StringComparison.Ordinal);
        Assert.Contains("application/pdf", ex.Message, StringComparison.Ordinal);
        Assert.Contains("text/html", ex.Message, StringComparison.Ordinal);
        Assert.Contains("text/markdown", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_BinaryDeclaredAsText_IsUnsupported()
    {
        var ex = await Assert.ThrowsAsync<UnsupportedDocumentTypeException>(
            () => Extractor.ExtractAsync([0x41, 0x00, 0x42, 0x00, 0x01], "notes.txt", CancellationToken.None));
        Assert.Contains("binary", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("   \n\t  ", "notes.txt")]
    [InlineData("<html><head><title>t</title><script>var a = 1;</script></head><body><script>x()</script></body></html>", "page.html")]
    [InlineData("<!-- only a comment -->\n", "notes.md")]
    [InlineData("", "notes.txt")]
    public async Task ExtractAsync_NoText_ThrowsNoExtractableText(string content, string hint)
    {
        var ex = await Assert.ThrowsAsync<NoExtractableTextException>(() => Extract(content, hint));
        Assert.Contains("no extractable text", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_InputOverLimit_ThrowsTooLarge()
    {
        var small = new DocumentTextExtractor(new DocumentExtractionOptions { MaxInputBytes = 10 });
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("this text is longer than ten bytes"));
        var ex = await Assert.ThrowsAsync<DocumentTooLargeException>(() => small.ExtractAsync(stream, "a.txt", CancellationToken.None));
        Assert.Contains("MaxInputBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_CancelledToken_Throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("text"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Extractor.ExtractAsync(stream, "a.txt", cts.Token));
    }

    // ---------------------------------------------------------------- plain text

    [Fact]
    public async Task ExtractAsync_PlainText_NormalisesLineEndingsAndBlankLines()
    {
        var doc = await Extract("Line one  \r\nLine two\r\n\r\n\r\n\r\nNext paragraph\r\n", "a.txt");
        Assert.Equal(DocumentType.PlainText, doc.Type);
        Assert.Equal("text/plain", doc.MediaType);
        Assert.Equal("Line one\nLine two\n\nNext paragraph", doc.Text);
        Assert.Empty(doc.PageStarts);
        Assert.Null(doc.PageAt(0));
    }

    [Fact]
    public async Task ExtractAsync_Utf8Bom_IsRemoved()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("ICE’s report")).ToArray();
        var doc = await Extractor.ExtractAsync(bytes, "a.txt", CancellationToken.None);
        Assert.Equal("ICE’s report", doc.Text);
    }

    [Fact]
    public async Task ExtractAsync_Utf16WithBom_IsDecoded()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("271,484 removals")).ToArray();
        var doc = await Extractor.ExtractAsync(bytes, "a.txt", CancellationToken.None);
        Assert.Equal("271,484 removals", doc.Text);
    }

    [Fact]
    public async Task ExtractAsync_InvalidUtf8_FallsBackToLatin1()
    {
        var doc = await Extractor.ExtractAsync(Encoding.Latin1.GetBytes("café"), "a.txt", CancellationToken.None);
        Assert.Equal("café", doc.Text);
    }

    [Fact]
    public async Task ExtractAsync_StreamOverload_ReadsWholeStream()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(new string('x', 200_000)));
        var doc = await Extractor.ExtractAsync(stream, "text/plain", CancellationToken.None);
        Assert.Equal(200_000, doc.Text.Length);
    }

    // ---------------------------------------------------------------- markdown

    [Fact]
    public async Task ExtractAsync_Markdown_StripsMarkupKeepsText()
    {
        const string md = """
            # Year in Review: ICE **Fiscal Year 2024**

            ICE reported *271,484* removals, see [the report](https://www.ice.gov/report "ICE") and ![chart](c.png).
            Use `pdftotext` for __PDFs__ and ~~not~~ snake_case_names stay.

            > Quoted finding: 32.7% had criminal histories.

            - More than 50,200 orders of relief
            * Nearly 287,000 removal orders
            1. Numbered stays

            | Metric | Value |
            |---|---:|
            | removals | 271,484 |

            ---

            ```
            code **kept** as is
            ```

            [ref]: https://example.org
            Setext Heading
            ==============
            """;
        var doc = await Extract(md, "notes.md");
        Assert.Equal(DocumentType.Markdown, doc.Type);
        Assert.Equal("Year in Review: ICE Fiscal Year 2024", doc.Title);
        var t = doc.Text;
        Assert.StartsWith("Year in Review: ICE Fiscal Year 2024\n\nICE reported 271,484 removals, see the report and chart.", t, StringComparison.Ordinal);
        Assert.Contains("Use pdftotext for PDFs and not snake_case_names stay.", t, StringComparison.Ordinal);
        Assert.Contains("\nQuoted finding: 32.7% had criminal histories.", t, StringComparison.Ordinal);
        Assert.Contains("• More than 50,200 orders of relief\n• Nearly 287,000 removal orders\n1. Numbered stays", t, StringComparison.Ordinal);
        Assert.Contains("Metric\tValue\nremovals\t271,484", t, StringComparison.Ordinal);
        Assert.Contains("code **kept** as is", t, StringComparison.Ordinal);
        Assert.Contains("Setext Heading", t, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", t, StringComparison.Ordinal);
        Assert.DoesNotContain("---", t, StringComparison.Ordinal);
        Assert.DoesNotContain("===", t, StringComparison.Ordinal);
        Assert.DoesNotContain("#", t, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- html

    [Fact]
    public async Task ExtractAsync_Html_DropsInvisibleContentAndBreaksBlocks()
    {
        const string html = """
            <!DOCTYPE html>
            <html><head><title> Annual Report 2024 </title><style>p { color: red }</style>
            <script>document.write("tracking")</script></head>
            <body>
              <noscript>Enable JavaScript</noscript>
              <template><p>template text</p></template>
              <svg><text>svg label</text></svg>
              <iframe src="https://example.org/embed">frame text</iframe>
              <h1>Year in Review</h1>
              <p>ICE&rsquo;s <b>annual</b>
                 report shows 271,484&nbsp;removals.</p>
              <div hidden>hidden text</div>
              <ul><li>More than 50,200 orders of relief</li><li>Nearly 287,000 removal orders</li></ul>
              <table><tr><th>Metric</th><th>Value</th></tr><tr><td>removals</td><td>271,484</td></tr></table>
              <p>Line one<br>Line two</p>
              <pre>  kept   spacing</pre>
            </body></html>
            """;
        var doc = await Extract(html, "page.html");
        Assert.Equal(DocumentType.Html, doc.Type);
        Assert.Equal("Annual Report 2024", doc.Title);
        var t = doc.Text;
        foreach (var gone in new[] { "tracking", "color", "Enable JavaScript", "template text", "svg label", "frame text", "hidden text", "Annual Report 2024" })
        {
            Assert.DoesNotContain(gone, t, StringComparison.Ordinal);
        }

        Assert.StartsWith("Year in Review\n\nICE’s annual report shows 271,484\u00A0removals.\n\n", t, StringComparison.Ordinal);
        Assert.Contains("• More than 50,200 orders of relief\n• Nearly 287,000 removal orders", t, StringComparison.Ordinal);
        Assert.Contains("Metric\tValue\nremovals\t271,484", t, StringComparison.Ordinal);
        Assert.Contains("Line one\nLine two", t, StringComparison.Ordinal);
        Assert.Contains("  kept   spacing", t, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_Html_NeverFetchesExternalResources()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var html = $"""
            <html><head>
            <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
            <script src="http://127.0.0.1:{port}/app.js"></script>
            </head><body>
            <img src="http://127.0.0.1:{port}/img.png">
            <iframe src="http://127.0.0.1:{port}/frame.html"></iframe>
            <object data="http://127.0.0.1:{port}/obj"></object>
            <p>Visible text</p>
            </body></html>
            """;
        var doc = await Extract(html, "page.html");
        Assert.Equal("Visible text", doc.Text);
        await Task.Delay(200);
        Assert.False(listener.Pending(), "the extractor connected to a resource URL");
    }

    [Fact]
    public async Task ExtractAsync_HtmlWithMetaCharset_DecodesDeclaredEncoding()
    {
        var bytes = Encoding.Latin1.GetBytes("<html><head><meta charset=\"iso-8859-1\"></head><body><p>café</p></body></html>");
        var doc = await Extractor.ExtractAsync(bytes, "page.html", CancellationToken.None);
        Assert.Equal("café", doc.Text);
    }

    [Fact]
    public async Task ExtractAsync_HtmlFragmentWithoutBody_StillExtracted()
    {
        var doc = await Extract("<p>Only a <em>fragment</em></p>", "text/html");
        Assert.Equal("Only a fragment", doc.Text);
    }

    // ---------------------------------------------------------------- pdf

    [PdfFact]
    public async Task ExtractAsync_Pdf_ExtractsTextWithPdftotext()
    {
        var pdf = MinimalPdf.Create(["ICE reported 271,484 removals in FY2024.", "88,763 (32.7%) had criminal histories."]);
        var doc = await Extractor.ExtractAsync(pdf, "report.pdf", CancellationToken.None);
        Assert.Equal(DocumentType.Pdf, doc.Type);
        Assert.Equal("application/pdf", doc.MediaType);
        Assert.Contains("ICE reported 271,484 removals in FY2024.", doc.Text, StringComparison.Ordinal);
        Assert.Contains("88,763 (32.7%) had criminal histories.", doc.Text, StringComparison.Ordinal);
        Assert.Equal([0], doc.PageStarts);
    }

    [PdfFact]
    public async Task ExtractAsync_PdfWithTwoPages_RecordsPageStarts()
    {
        var pdf = MinimalPdf.Create(["First page text"], ["Second page text"]);
        using var stream = new MemoryStream(pdf);
        var doc = await Extractor.ExtractAsync(stream, "application/octet-stream", CancellationToken.None);
        Assert.Equal(2, doc.PageStarts.Count);
        var second = doc.Text.IndexOf("Second page text", StringComparison.Ordinal);
        Assert.Equal(doc.PageStarts[1], second);
        Assert.Equal(1, doc.PageAt(doc.Text.IndexOf("First", StringComparison.Ordinal)));
        Assert.Equal(2, doc.PageAt(second));
        Assert.DoesNotContain('\f', doc.Text);
    }

    [PdfFact]
    public async Task ExtractAsync_PdfWithoutText_ThrowsNoExtractableText()
    {
        var pdf = MinimalPdf.Create([[]]); // one blank page
        var ex = await Assert.ThrowsAsync<NoExtractableTextException>(() => Extractor.ExtractAsync(pdf, "scan.pdf", CancellationToken.None));
        Assert.Contains("no extractable text", ex.Message, StringComparison.Ordinal);
        Assert.Contains("OCR", ex.Message, StringComparison.Ordinal);
    }

    [PdfFact]
    public async Task ExtractAsync_DamagedPdf_ThrowsWithPdftotextMessage()
    {
        var bytes = Encoding.ASCII.GetBytes("%PDF-1.4\nthis is not a real pdf body\n%%EOF\n");
        var ex = await Assert.ThrowsAsync<DocumentExtractionException>(() => Extractor.ExtractAsync(bytes, "bad.pdf", CancellationToken.None));
        Assert.Contains("pdftotext", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_PdfWithoutPdftotext_ExplainsHowToInstall()
    {
        var extractor = new DocumentTextExtractor(new DocumentExtractionOptions { PdfToTextPath = "/nonexistent/bin/pdftotext" });
        var pdf = MinimalPdf.Create(["text"]);
        var ex = await Assert.ThrowsAsync<PdfToolMissingException>(() => extractor.ExtractAsync(pdf, "a.pdf", CancellationToken.None));
        Assert.StartsWith("PDF support needs pdftotext (apt-get install poppler-utils)", ex.Message, StringComparison.Ordinal);
    }

    [PdfFact]
    public async Task ExtractAsync_PdfTextOverLimit_ThrowsTooLarge()
    {
        var extractor = new DocumentTextExtractor(new DocumentExtractionOptions { MaxTextChars = 5 });
        var pdf = MinimalPdf.Create(["a line that is clearly longer than five characters"]);
        await Assert.ThrowsAsync<DocumentTooLargeException>(() => extractor.ExtractAsync(pdf, "a.pdf", CancellationToken.None));
    }
}
