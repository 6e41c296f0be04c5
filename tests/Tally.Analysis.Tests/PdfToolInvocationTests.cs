using System.Text;

namespace Tally.Analysis.Tests;

/// <summary>Runs stand-in pdftotext scripts to check the exact invocation and the timeout (no PDF tool needed).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PdfToolInvocationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tally-pdftool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string body)
    {
        var path = Path.Combine(_dir, "fake-pdftotext");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public async Task ExtractAsync_Pdf_RunsPdftotextWithLayoutUtf8AndStdio()
    {
        // echoes its arguments and the size of what arrived on stdin
        var tool = Script("n=$(wc -c | tr -d ' '); printf 'args: %s\\nstdin bytes: %s\\n' \"$*\" \"$n\"");
        var extractor = new DocumentTextExtractor(new DocumentExtractionOptions { PdfToTextPath = tool });
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n" + new string('x', 100_000));
        var doc = await extractor.ExtractAsync(pdf, "a.pdf", CancellationToken.None);
        Assert.Equal($"args: -layout -enc UTF-8 - -\nstdin bytes: {pdf.Length}", doc.Text);
    }

    [Fact]
    public async Task ExtractAsync_PdftotextHangs_IsStoppedAtTimeout()
    {
        var tool = Script("exec sleep 30");
        var extractor = new DocumentTextExtractor(new DocumentExtractionOptions { PdfToTextPath = tool, PdfTimeout = TimeSpan.FromMilliseconds(300) });
        var ex = await Assert.ThrowsAsync<DocumentExtractionTimeoutException>(
            () => extractor.ExtractAsync(Encoding.ASCII.GetBytes("%PDF-1.4\n"), "a.pdf", CancellationToken.None));
        Assert.Contains("did not finish", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PdfTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_PdftotextFails_ReportsExitCodeAndStderr()
    {
        var tool = Script("cat >/dev/null; echo 'Syntax Error: broken xref' >&2; exit 3");
        var extractor = new DocumentTextExtractor(new DocumentExtractionOptions { PdfToTextPath = tool });
        var ex = await Assert.ThrowsAsync<DocumentExtractionException>(
            () => extractor.ExtractAsync(Encoding.ASCII.GetBytes("%PDF-1.4\n"), "a.pdf", CancellationToken.None));
        Assert.Contains("exit code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("broken xref", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_CallerCancels_ThrowsOperationCanceled()
    {
        var tool = Script("exec sleep 30");
        var extractor = new DocumentTextExtractor(new DocumentExtractionOptions { PdfToTextPath = tool });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => extractor.ExtractAsync(Encoding.ASCII.GetBytes("%PDF-1.4\n"), "a.pdf", cts.Token));
    }
}
