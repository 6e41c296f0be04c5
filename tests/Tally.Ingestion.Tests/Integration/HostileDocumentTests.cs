using System.Net;
using System.Net.Sockets;
using System.Text;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.TestSupport;
using Tally.Testing;

namespace Tally.Ingestion.Tests.Integration;

/// <summary>
/// Hostile documents through IngestDocument on a real host: HTML and Markdown that reference a local listener (which
/// must see no connection at all), PDFs whose extractor hangs or floods (a stand-in pdftotext), PDFs over the size cap.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HostileDocumentTests : IDisposable
{
    private const string Source = "factually-wrongful-deportations-2024";

    private readonly string _dir = Directory.CreateTempSubdirectory("tally-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task HtmlAndMarkdownWithExternalReferences_NothingFetchedNothingExecuted_TextKept()
    {
        await using var listener = new ConnectionCounter();
        var u = listener.Url;
        var html = $$"""
            <!DOCTYPE html [<!ENTITY xxe SYSTEM "{{u}}entity">]>
            <html><head>
              <base href="{{u}}base/">
              <meta http-equiv="refresh" content="0; url={{u}}refresh">
              <link rel="stylesheet" href="{{u}}style.css"><link rel="preload" href="{{u}}preload" as="fetch">
              <link rel="icon" href="{{u}}favicon.ico"><link rel="import" href="{{u}}import.html">
              <style>@import url("{{u}}import.css"); body { background: url({{u}}bg.png) }</style>
              <script src="{{u}}script.js"></script>
              <script>fetch("{{u}}fetch"); document.write("INJECTED-BY-SCRIPT"); new Image().src = "{{u}}beacon";</script>
            </head>
            <body onload="fetch('{{u}}onload')" background="{{u}}body-bg.png">
              <p>ICE removed 271,484 people in FY2024.</p>
              <img src="{{u}}img.png" srcset="{{u}}img-2x.png 2x" onerror="fetch('{{u}}onerror')">
              <picture><source srcset="{{u}}picture.webp"></picture>
              <iframe src="{{u}}frame.html">IFRAME-FALLBACK</iframe><frame src="{{u}}frame2.html">
              <object data="{{u}}object.swf">OBJECT-FALLBACK</object><embed src="{{u}}embed.swf">
              <video src="{{u}}video.mp4" poster="{{u}}poster.png"></video><audio src="{{u}}audio.mp3"></audio>
              <svg><image href="{{u}}svg-image.png"/><use href="{{u}}sprite.svg#a"/></svg>
              <input type="image" src="{{u}}input.png"><form action="{{u}}form"><button>go</button></form>
              <div style="background-image: url('{{u}}inline-bg.png')">&xxe;</div>
            </body></html>
            """;
        var markdown = $"# Note\n\nICE removed 271,484 people in FY2024.\n\n![chart]({u}chart.png)\n\n<img src=\"{u}md-img.png\">\n";
        await using var host = await TallyTestHost.StartAsync();

        var fromHtml = await host.IngestAsync(Encoding.UTF8.GetBytes(html), "hostile.html", Source);
        var fromMarkdown = await host.IngestAsync(Encoding.UTF8.GetBytes(markdown), "hostile.md", Source);
        var htmlText = (await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = fromHtml.Snapshot.Id, IncludeText = true })).Text;
        var mdText = (await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = fromMarkdown.Snapshot.Id, IncludeText = true })).Text;

        Assert.Equal(0, listener.Connections);
        Assert.Contains("ICE removed 271,484 people in FY2024.", htmlText, StringComparison.Ordinal);
        Assert.Contains("ICE removed 271,484 people in FY2024.", mdText, StringComparison.Ordinal);
        Assert.DoesNotContain("INJECTED-BY-SCRIPT", htmlText, StringComparison.Ordinal);
        Assert.DoesNotContain("IFRAME-FALLBACK", htmlText, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", htmlText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PdfThatHangsTheExtractor_ResourceExhaustedNamingTheSetting_ToolKilled_NothingStored()
    {
        var pidFile = Path.Combine(_dir, "pid");
        var tool = Script($"echo $$ > '{pidFile}'; exec sleep 300");
        await using var host = await TallyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tally:Ingestion:PdfToTextPath"] = tool,
            ["Tally:Ingestion:PdfTimeoutSeconds"] = "1",
        });
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n% hangs the extractor\n");

        var e = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(pdf, "slow.pdf", Source));

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("did not finish within 1 s", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Tally:Ingestion:PdfTimeoutSeconds", e.Status.Detail, StringComparison.Ordinal);
        await AssertGoneAsync(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        await AssertNotStoredAsync(host, pdf);
    }

    [Fact]
    public async Task PdfWhoseTextFloods_ResourceExhaustedAtTheTextCap_ToolKilled()
    {
        var pidFile = Path.Combine(_dir, "pid");
        var tool = Script($"echo $$ > '{pidFile}'; exec yes 'ICE removed 271,484 people in FY2024.'");
        await using var host = await TallyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tally:Ingestion:PdfToTextPath"] = tool,
            ["Tally:Ingestion:MaxExtractedTextChars"] = "100000",
        });
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n% a decompression bomb stands in here\n");

        var e = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(pdf, "bomb.pdf", Source));

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("100,000 characters", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Tally:Ingestion:MaxExtractedTextChars", e.Status.Detail, StringComparison.Ordinal);
        await AssertGoneAsync(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        await AssertNotStoredAsync(host, pdf);
    }

    [Fact]
    public async Task PdfOverTheSizeCap_RefusedBeforeTheExtractorRuns()
    {
        var ran = Path.Combine(_dir, "ran");
        var tool = Script($"touch '{ran}'; cat >/dev/null; echo text");
        await using var host = await TallyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tally:Ingestion:PdfToTextPath"] = tool,
            ["Tally:Ingestion:MaxDocumentBytes"] = "4096",
        });
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n" + new string('x', 8192));

        var e = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(pdf, "big.pdf", Source));

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("Tally:Ingestion:MaxDocumentBytes", e.Status.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(ran), "pdftotext ran on a document over the size cap");
    }

    private string Script(string body)
    {
        var path = Path.Combine(_dir, "fake-pdftotext");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Waits (bounded) until the process has exited: killed, not left running after the refusal.</summary>
    private static async Task AssertGoneAsync(int pid)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (IsRunning(pid))
        {
            Assert.True(DateTime.UtcNow < until, $"the extractor (pid {pid}) was still running 30 s after the call failed");
            await Task.Delay(50);
        }
    }

    /// <summary>Alive and not a zombie (a killed child may linger as one until reaped).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task AssertNotStoredAsync(TallyTestHost host, byte[] bytes)
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var e = await Assert.ThrowsAsync<RpcException>(() => host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = id }));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }
}
