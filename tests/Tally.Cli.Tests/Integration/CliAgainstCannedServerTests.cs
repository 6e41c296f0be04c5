using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Tally.Query.V1;

namespace Tally.Cli.Tests.Integration;

/// <summary>The CLI's entry point against a real gRPC server over a real socket: output, requests sent, exit codes.</summary>
public sealed class CliAgainstCannedServerTests(CannedServer server) : IClassFixture<CannedServer>
{
    private string Server => server.Address.GetLeftPart(UriPartial.Authority);

    private Task<CliRunner.Result> Tally(params string[] args) => CliRunner.RunAsync(["--server", Server, .. args]);

    [Fact]
    public async Task Ask_Text_PrintsTheRenderedAnswer_Exit0()
    {
        var result = await Tally("ask", "How many people did ICE deport in 2024?");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        Assert.StartsWith(" ANSWERED   How many people did ICE deport in 2024?", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  271,484   FY2024   ice-removals @ v2", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[1] ✓ ICE Annual Report Fiscal Year 2024", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("served from: cache (catalog v7", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', result.Stdout);
    }

    [Fact]
    public async Task Ask_SendsItsOptions()
    {
        var result = await Tally("ask", "Which one?", "--metric", "ice-removals", "--no-cache");
        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<AskRequest>(server.Requests["Ask"]);
        Assert.Equal(("Which one?", "ice-removals", true), (request.Question, request.ChosenMetricId, request.SkipCache));
    }

    [Fact]
    public async Task Ask_Json_IsProtoJsonWithCamelCaseNames()
    {
        var result = await Tally("ask", "How many people did ICE remove in FY2024?", "--format", "json");
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal("ANSWERED", root.GetProperty("status").GetString());
        var figure = root.GetProperty("figures")[0];
        Assert.Equal(271484, figure.GetProperty("value").GetDouble());
        Assert.Equal("ice-removals", figure.GetProperty("metricId").GetString());
        Assert.Equal(2, figure.GetProperty("definitionVersion").GetInt32());
        Assert.Equal("EXACT", figure.GetProperty("qualifier").GetString());
        Assert.Equal("FY2024", figure.GetProperty("period").GetProperty("label").GetString());
        Assert.Equal("PERIOD_BASIS", root.GetProperty("caveats")[0].GetProperty("code").GetString());
        Assert.False(root.GetProperty("citations")[2].GetProperty("verified").GetBoolean());
        Assert.Equal("CACHE", root.GetProperty("servedFrom").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Ask_Markdown_PrintsTheServersBrief()
    {
        var result = await Tally("ask", "How many?", "--format", "markdown");
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# Brief\n\nICE reported 271,484 removals", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_EmptyQuestion_InvalidArgument_Exit2()
    {
        var result = await Tally("ask", "   ");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: INVALID_ARGUMENT: the question is empty; ask in 1 to 500 characters\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Figure_SendsMetricPeriodAndDimensions()
    {
        var result = await Tally("figure", "ice-removals", "--period", "FY2024", "-d", "criminality=convicted");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ice-removals FY2024", result.Stdout, StringComparison.Ordinal);
        var request = Assert.IsType<GetFigureRequest>(server.Requests["GetFigure"]);
        Assert.Equal((Common.V1.PeriodKind.FiscalYear, 2024, "2023-10-01"), (request.Period.Kind, request.Period.FiscalYear, request.Period.StartDate));
        Assert.Equal("criminality=convicted", $"{request.Dimensions[0].Key}={request.Dimensions[0].Value}");
    }

    [Fact]
    public async Task Figure_UnknownMetric_NotFoundWithNearestIds_Exit2()
    {
        var result = await Tally("figure", "ice-remvals", "--period", "FY2024");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: NOT_FOUND: unknown metric 'ice-remvals'; nearest: ice-removals, ice-removals-criminal-history\n", result.Stderr);
    }

    [Fact]
    public async Task Figure_AmbiguousPeriod_IsRefusedBeforeAnyCall_Exit2()
    {
        server.Requests.TryRemove("GetFigure", out _);
        var result = await Tally("figure", "ice-removals", "--period", "2024");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ambiguous: write FY2024", result.Stderr, StringComparison.Ordinal);
        Assert.False(server.Requests.ContainsKey("GetFigure"));
    }

    [Fact]
    public async Task Series_SendsTheRangeAndListsPoints()
    {
        var result = await Tally("series", "ice-removals", "--from", "FY2023", "--to", "FY2024");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("142,580", result.Stdout, StringComparison.Ordinal);
        var request = Assert.IsType<GetSeriesRequest>(server.Requests["GetSeries"]);
        Assert.Equal(("2022-10-01", "2024-09-30"), (request.Range.StartDate, request.Range.EndDate));
    }

    [Fact]
    public async Task Check_Text_AndJsonLd()
    {
        var text = await Tally("check", "ICE deported 271,484 people in 2024", "--claimant", "A senator");
        Assert.Equal(0, text.ExitCode);
        Assert.StartsWith(" MISLEADING ", text.Stdout, StringComparison.Ordinal);
        Assert.Equal("A senator", Assert.IsType<CheckClaimRequest>(server.Requests["CheckClaim"]).Claimant);

        var jsonLd = await Tally("check", "ICE deported 271,484 people in 2024", "--format", "jsonld");
        Assert.Equal(0, jsonLd.ExitCode);
        using var doc = JsonDocument.Parse(jsonLd.Stdout);
        Assert.Equal("ClaimReview", doc.RootElement.GetProperty("@type").GetString());
    }

    [Fact]
    public async Task Explain_ShowsTheDifferences()
    {
        var result = await Tally("explain", "ice-nondetained-docket-convicted", "ice-removals-criminal-history");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("not interchangeable", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("statistic_type", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsListAndShow()
    {
        var list = await Tally("metrics", "list", "--search", "removals");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("ice-removals", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 metric; catalog v3", list.Stdout, StringComparison.Ordinal);

        var show = await Tally("metrics", "show", "ice-removals");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("ICE ERO removals (ice-removals @ v2)", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("deportations, people deported", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("not interchangeable with", show.Stdout, StringComparison.Ordinal);

        var missing = await Tally("metrics", "show", "nope");
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("error: NOT_FOUND: unknown metric 'nope'; nearest: ice-removals\n", missing.Stderr);
    }

    [Fact]
    public async Task Health_FallsBackToCheckPerService_ExitsByOverallStatus()
    {
        var result = await Tally("health");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("tally.query.v1.QueryService", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("✗ NOT_SERVING", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SERVICE_UNKNOWN", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("✓ SERVING", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sources_ServiceNotServed_Unimplemented_Exit1()
    {
        var result = await Tally("sources");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: UNIMPLEMENTED: Service 'tally.citations.v1.CitationService' is not implemented by this server.\n", result.Stderr);
    }

    [Fact]
    public async Task IngestDataset_StreamsTheFile_PrintsTheSummary_Exit0()
    {
        using var files = new TempFiles();
        var lines = Enumerable.Range(0, 30_000).Select(i => i % 10_000 == 7 ? "2024,bad" : $"2024,{i}");
        var data = files.Write("Book Outs FY24.csv", "fy,book_outs\n" + string.Join("\n", lines) + "\n");
        var spec = files.Write("spec.yaml", "tables:\n  - name: book_outs\n");
        var result = await Tally("ingest", "dataset", data, "--spec", spec, "--vintage", "2024-10-01");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("30,000 read = 29,997 stored + 3 quarantined", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("NON_NUMERIC_COUNT", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(data))), result.Stdout, StringComparison.Ordinal);
        var header = Assert.IsType<Ingestion.V1.DatasetHeader>(server.Requests["IngestDataset"]);
        // No --name: the CLI sends none and the server picks (the spec's dataset, a catalog file pattern, or the file name).
        Assert.Equal(("", "Book Outs FY24.csv", Ingestion.V1.DatasetFormat.Csv, new FileInfo(data).Length, "2024-10-01"),
            (header.Name, header.FileName, header.Format, header.ExpectedBytes, header.Vintage));
        Assert.Equal("tables:\n  - name: book_outs\n", header.SpecYaml);
    }

    [Fact]
    public async Task IngestDataset_ServerSaysUnimplemented_ShowsItsMessage_Exit1()
    {
        using var files = new TempFiles();
        var data = files.Write("d.csv", string.Concat(Enumerable.Repeat("fy,book_outs\n2024,100\n", 20_000)));
        var result = await Tally("ingest", "dataset", data, "--name", "not-yet");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: UNIMPLEMENTED: {CannedIngestionService.NotYetMessage}\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task IngestDocument_NewSource_ReportsSnapshotAndFigures_Exit0()
    {
        using var files = new TempFiles();
        var doc = files.Write("report.txt", "ICE conducted 271,484 removals in FY2024.");
        var result = await Tally("ingest", "document", doc, "--title", "ICE Annual Report FY2024", "--publisher", "ICE",
            "--url", "https://www.ice.gov/report", "--published", "2024-12-19");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("stored a new snapshot", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("snap-1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("3 extracted (unreviewed), 2 linked to a metric", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("page 3 has no text layer", result.Stdout, StringComparison.Ordinal);
        var request = Assert.IsType<Ingestion.V1.IngestDocumentRequest>(server.Requests["IngestDocument"]);
        Assert.Equal(("ICE Annual Report FY2024", "ICE", "https://www.ice.gov/report", "2024-12-19", Common.V1.SourceKind.OfficialReport),
            (request.NewSource.Title, request.NewSource.Publisher, request.NewSource.Url, request.NewSource.PublishedDate, request.NewSource.Kind));
        Assert.Equal("ICE conducted 271,484 removals in FY2024.", request.Content.ToStringUtf8());
    }

    [Fact]
    public async Task IngestDocument_SourceAndNewSourceTogether_Exit2()
    {
        using var files = new TempFiles();
        var doc = files.Write("report.txt", "text");
        var result = await Tally("ingest", "document", doc, "--source", "ice-annual-report-fy2024", "--title", "Other");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: give either --source ID or the new source's", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_MissingFile_Exit2()
    {
        var result = await Tally("ingest", "document", "/nonexistent/report.pdf");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: document '/nonexistent/report.pdf' does not exist\n", result.Stderr);
    }

    [Fact]
    public async Task SlowServer_DeadlineExceeded_WithTimeoutHint_Exit1()
    {
        var result = await Tally("ask", "wait forever", "--timeout", "300ms");
        Assert.Equal(1, result.ExitCode);
        var lines = result.Stderr.TrimEnd().Split('\n');
        Assert.StartsWith("error: DEADLINE_EXCEEDED", lines[0], StringComparison.Ordinal);
        Assert.Equal("hint: no answer within 300ms; allow longer with --timeout (e.g. --timeout 2m)", lines[1]);
    }

    [Fact]
    public async Task ServerFromEnvironmentVariable_IsUsed()
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string> { ["TALLY_SERVER"] = Server }, "ask", "How many?");
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task NothingListening_Unavailable_WithHint_Exit3()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var result = await CliRunner.RunAsync("--server", $"127.0.0.1:{port}", "ask", "How many?");
        Assert.Equal(3, result.ExitCode);
        var lines = result.Stderr.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: UNAVAILABLE: ", lines[0], StringComparison.Ordinal);
        Assert.Equal($"hint: is Tally running at http://127.0.0.1:{port}? start it with `make run`, or point --server / TALLY_SERVER at it", lines[1]);
    }

    [Fact]
    public async Task UsageError_Exit2_WithPointerToHelp()
    {
        var result = await CliRunner.RunAsync("figure", "ice-removals");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: Option '--period' is required.\nsee: tally figure --help\n", result.Stderr);
    }

    [Fact]
    public async Task NoArguments_PrintsHelp_Exit0()
    {
        var result = await CliRunner.RunAsync();
        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "ask", "figure", "series", "check", "explain", "metrics", "sources", "ingest", "health" })
        {
            Assert.Contains($"  {command} ", result.Stdout, StringComparison.Ordinal);
        }
    }

    /// <summary>Files in a fresh temporary directory, deleted on dispose.</summary>
    private sealed class TempFiles : IDisposable
    {
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tally-cli-tests-");

        public string Write(string name, string content)
        {
            var path = Path.Combine(_dir.FullName, name);
            File.WriteAllText(path, content);
            return path;
        }

        public void Dispose() => _dir.Delete(recursive: true);
    }
}
