using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Tally.Analysis;

/// <summary>
/// PDF → text by running <c>pdftotext -layout -enc UTF-8 - -</c> (poppler-utils): the PDF goes in on stdin, text
/// comes out on stdout; the run is bounded by a timeout and an output cap. Page breaks (form feeds) become blank
/// lines and their offsets are kept in <see cref="ExtractedDocument.PageStarts"/>.
/// </summary>
internal sealed class PdfTextExtractor(DocumentExtractionOptions options)
{
    public const string MissingToolMessage = "PDF support needs pdftotext (apt-get install poppler-utils)";

    public async Task<ExtractedDocument> ExtractAsync(byte[] pdf, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(options.PdfToTextPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var arg in (string[])["-layout", "-enc", "UTF-8", "-", "-"])
        {
            psi.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new PdfToolMissingException($"{MissingToolMessage}; '{options.PdfToTextPath}' did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new PdfToolMissingException($"{MissingToolMessage}; '{options.PdfToTextPath}' could not be run: {ex.Message}", ex);
        }

        using (process)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.PdfTimeout);
            var token = timeout.Token;
            try
            {
                var write = WriteInputAsync(process, pdf, token);
                var stderr = process.StandardError.ReadToEndAsync(token);
                var stdout = ReadCappedAsync(process.StandardOutput, options.MaxTextChars, options.MaxTextCharsSetting, token);
                var text = await stdout.ConfigureAwait(false);
                await write.ConfigureAwait(false);
                var errors = await stderr.ConfigureAwait(false);
                await process.WaitForExitAsync(token).ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    throw new DocumentExtractionException(
                        $"pdftotext could not read the PDF (exit code {process.ExitCode}): {errors.Trim()}. The file may be damaged or encrypted.");
                }

                return Paginate(text);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Kill(process);
                throw new DocumentExtractionTimeoutException(
                    $"pdftotext did not finish within {options.PdfTimeout.TotalSeconds:0.###} s and was stopped; the PDF may be very large or malformed ({options.PdfTimeoutSetting}).");
            }
            catch
            {
                Kill(process);
                throw;
            }
        }
    }

    private static async Task WriteInputAsync(Process process, byte[] pdf, CancellationToken token)
    {
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(pdf, token).ConfigureAwait(false);
            await process.StandardInput.BaseStream.FlushAsync(token).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // pdftotext closed stdin early (e.g. it rejected the file); its exit code and stderr say why
        }
        finally
        {
            process.StandardInput.Close();
        }
    }

    private static async Task<string> ReadCappedAsync(StreamReader reader, int maxChars, string setting, CancellationToken token)
    {
        var sb = new StringBuilder();
        var buffer = new char[16384];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), token).ConfigureAwait(false)) > 0)
        {
            if (sb.Length + read > maxChars)
            {
                throw new DocumentTooLargeException(
                    $"The PDF's text exceeds the limit of {maxChars:N0} characters ({setting}); pdftotext was stopped.");
            }

            sb.Append(buffer, 0, read);
        }

        return sb.ToString();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>Splits on form feeds, tidies each page, joins pages with blank lines and records where each starts.</summary>
    private static ExtractedDocument Paginate(string raw)
    {
        var pages = raw.Split('\f');
        var count = pages.Length;
        if (count > 1 && string.IsNullOrWhiteSpace(pages[^1]))
        {
            count--; // pdftotext ends every page, including the last, with a form feed
        }

        var sb = new StringBuilder(raw.Length);
        var starts = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            if (sb.Length > 0)
            {
                sb.Append("\n\n");
            }

            starts.Add(sb.Length);
            sb.Append(DocumentTextExtractor.TidyPlainText(pages[i]));
        }

        return new ExtractedDocument { Text = sb.ToString(), Type = DocumentType.Pdf, MediaType = "application/pdf", PageStarts = starts };
    }
}
