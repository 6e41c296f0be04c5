using System.Text;
using Google.Protobuf;
using Tally.Catalog;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.TestSupport;

namespace Tally.Ingestion.Tests.Integration;

/// <summary>IngestDocument and the snapshot rpcs over real gRPC (ingestion + citations in one host, no definitions service).</summary>
public sealed class IngestDocumentTests
{
    private const string Source = "factually-wrongful-deportations-2024";

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task SameBytesTwice_SameSnapshotAndNoDuplicateFigures()
    {
        await using var host = await TallyTestHost.StartAsync();
        var bytes = Utf8("A test note.\n\nICE carried out 12,345 test removals in FY2031, and 678 test arrests in FY2031.");

        var first = await host.IngestAsync(bytes, "note.txt", Source);
        var second = await host.IngestAsync(bytes, "note-again.txt", Source);

        Assert.False(first.AlreadyExisted);
        Assert.True(second.AlreadyExisted);
        Assert.Equal(first.Snapshot.Id, second.Snapshot.Id);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), first.Snapshot.Id);
        Assert.Equal(first.Snapshot.ContentSha256, first.Snapshot.Id);
        Assert.Equal(2, first.FigureCandidates);
        Assert.Equal(0, second.FigureCandidates);
        var figures = await host.Ingestion.ListFiguresAsync(new ListFiguresRequest { SnapshotId = first.Snapshot.Id });
        Assert.Equal(2, figures.Figures.Count);
        Assert.All(figures.Figures, f => Assert.Equal(ReviewState.Unreviewed, f.ReviewState));
        var snapshots = await host.Ingestion.ListSnapshotsAsync(new ListSnapshotsRequest { SourceId = Source });
        Assert.Single(snapshots.Snapshots);
        var extracted = await host.Events.WaitForAsync<FiguresExtracted>(e => e.SnapshotId == first.Snapshot.Id);
        Assert.Equal(2, extracted.FigureCount);
        var announced = await host.Events.WaitForAsync<SourceIngested>(e => e.SnapshotId == first.Snapshot.Id && e.IsNewSnapshot);
        Assert.Equal(extracted.MetricIds, announced.FigureMetricIds); // no catalog figure of this source is backed by it
        await host.Events.WaitForAsync<SourceIngested>(e => e.SnapshotId == first.Snapshot.Id && !e.IsNewSnapshot);
        Assert.Single(host.Events.Of<FiguresExtracted>(), e => e.SnapshotId == first.Snapshot.Id);
    }

    [Fact]
    public async Task HtmlWithScript_ScriptTextIsAbsentFromTheSnapshot()
    {
        await using var host = await TallyTestHost.StartAsync();
        const string html = """
            <!doctype html><html><head><title>Report</title><script>var secret = "TRACKING-PIXEL-123";</script>
            <style>.x { color: red }</style></head>
            <body><p>ICE removed 271,484 people in FY2024.</p><script>document.write("INJECTED-TEXT")</script></body></html>
            """;

        var response = await host.IngestAsync(Utf8(html), "page.html", Source);
        var snapshot = await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = response.Snapshot.Id, IncludeText = true });

        Assert.Equal("text/html", snapshot.Snapshot.MediaType);
        Assert.Contains("ICE removed 271,484 people in FY2024.", snapshot.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("TRACKING-PIXEL", snapshot.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("INJECTED-TEXT", snapshot.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("color", snapshot.Text, StringComparison.Ordinal);
        Assert.Equal(snapshot.Text.Length, snapshot.Snapshot.TextLength);
        Assert.Equal(Source, snapshot.Source.Id);
    }

    [Fact]
    public async Task UnsupportedType_InvalidArgumentListingSupportedTypes_NothingStored()
    {
        await using var host = await TallyTestHost.StartAsync();
        byte[] zip = [(byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0, 8, 0];

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(zip, "report.docx", Source));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("report.docx", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("text/html", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("application/pdf", ex.Status.Detail, StringComparison.Ordinal);
        var notFound = await Assert.ThrowsAsync<RpcException>(() => host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest
        {
            SnapshotId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(zip)),
        }));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
    }

    [Fact]
    public async Task NoExtractableText_FailedPrecondition_RawSnapshotKeptAndNamed()
    {
        await using var host = await TallyTestHost.StartAsync();
        var bytes = Utf8("<html><body><script>only code here</script></body></html>");
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(bytes, "empty.html", Source));
        var again = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(bytes, "empty.html", Source));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("no extractable text", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(id, ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        var kept = await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = id, IncludeText = true });
        Assert.Equal(bytes.Length, kept.Snapshot.ByteLength);
        Assert.Equal(0, kept.Snapshot.TextLength);
        Assert.Equal("", kept.Text);
    }

    [Fact]
    public async Task DocumentOverTheLimit_ResourceExhaustedNamingTheLimit()
    {
        await using var host = await TallyTestHost.StartAsync(new Dictionary<string, string?> { ["Tally:Ingestion:MaxDocumentBytes"] = "1024" });

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(new byte[2048], "big.txt", Source));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("1,024 bytes", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Tally:Ingestion:MaxDocumentBytes", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocumentLargerThanTheDefaultGrpcMessageLimit_IsStored_FigureExtractionSkippedWithAWarning()
    {
        await using var host = await TallyTestHost.StartAsync();
        var bytes = Utf8(string.Concat(Enumerable.Repeat("Plain words without any statistic at all in this line.\n", 100_000)));
        Assert.True(bytes.Length > 5 * 1024 * 1024);

        var response = await host.Ingestion.IngestDocumentAsync(new IngestDocumentRequest
        {
            Content = ByteString.CopyFrom(bytes),
            FileName = "big.txt",
            NewSource = new Source { Kind = SourceKind.OfficialReport, Publisher = "Test", Title = "A long report" },
        });

        Assert.Equal(bytes.Length, response.Snapshot.ByteLength);
        Assert.Equal(0, response.FigureCandidates);
        Assert.Contains(response.Warnings, w => w.Contains("MaxFigureExtractionChars", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DefinitionServiceAbsent_CandidatesStoredUnlinked_WithAWarning()
    {
        await using var host = await TallyTestHost.StartAsync();

        var response = await host.IngestAsync(Utf8("ICE carried out 271,001 ERO removals in FY2030."), "note.txt", Source);

        Assert.Equal(1, response.FigureCandidates);
        Assert.Contains(response.Warnings, w => w.Contains("not linked to metrics", StringComparison.Ordinal) && w.Contains("Unimplemented", StringComparison.Ordinal));
        var figure = Assert.Single((await host.Ingestion.ListFiguresAsync(new ListFiguresRequest { SnapshotId = response.Snapshot.Id })).Figures);
        Assert.Equal("", figure.MetricId);
        Assert.Equal(271001, figure.Value);
        Assert.Equal("FY2030", figure.Period.Label);
        Assert.Equal("271,001", figure.ValueText);
    }

    [Fact]
    public async Task CatalogFigures_LoadedReviewed_WithTheSharedCitationIds()
    {
        await using var host = await TallyTestHost.StartAsync();
        var catalog = host.Catalog;

        var reviewed = new List<Figure>();
        var token = "";
        do
        {
            var page = await host.Ingestion.ListFiguresAsync(new ListFiguresRequest { ReviewState = ReviewState.Reviewed, PageSize = 7, PageToken = token });
            reviewed.AddRange(page.Figures);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(catalog.Figures.Length, reviewed.Count);
        Assert.Equal(reviewed.Count, reviewed.Select(f => f.Id).Distinct().Count());
        var removals = Assert.Single(reviewed, f => f.MetricId == "ice-removals" && f.Period.Label == "FY2024");
        Assert.Equal(271484, removals.Value);
        var expected = catalog.Figures.Single(f => f.Id == removals.Id).Citations
            .Select(c => CitationIds.ForSourceFragment(c.Source, c.Fragment));
        Assert.Equal(expected, removals.Citations.Select(c => c.Id));
        var sorted = reviewed.Select(f => (f.MetricId, f.Period.StartDate)).ToList();
        Assert.Equal(sorted.OrderBy(x => x.MetricId, StringComparer.Ordinal).ThenBy(x => x.StartDate, StringComparer.Ordinal), sorted);
    }

    [Fact]
    public async Task ListFigures_FiltersByMetricAndSource()
    {
        await using var host = await TallyTestHost.StartAsync();

        var byMetric = await host.Ingestion.ListFiguresAsync(new ListFiguresRequest { MetricId = "ice-removals" });
        var bySource = await host.Ingestion.ListFiguresAsync(new ListFiguresRequest { SourceId = "ice-annual-report-fy2024-page" });
        var rejected = await host.Ingestion.ListFiguresAsync(new ListFiguresRequest { ReviewState = ReviewState.Rejected });

        Assert.NotEmpty(byMetric.Figures);
        Assert.All(byMetric.Figures, f => Assert.Equal("ice-removals", f.MetricId));
        Assert.NotEmpty(bySource.Figures);
        Assert.All(bySource.Figures, f => Assert.Equal("ice-annual-report-fy2024-page", f.SourceId));
        Assert.Empty(rejected.Figures);
    }

    [Fact]
    public async Task UnknownSourceId_NotFoundWithNearestIds()
    {
        await using var host = await TallyTestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(Utf8("text 1"), "a.txt", "ice-annual-report-fy2042"));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("ice-annual-report-fy2024", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InlineNewSource_IsRegisteredOnceByUrl()
    {
        await using var host = await TallyTestHost.StartAsync();
        var source = new Source { Kind = SourceKind.News, Publisher = "Example News", Title = "Deportations up", Url = "https://news.example.org/a" };

        var first = await host.Ingestion.IngestDocumentAsync(new IngestDocumentRequest { Content = ByteString.CopyFromUtf8("Version one."), FileName = "a.txt", NewSource = source });
        var second = await host.Ingestion.IngestDocumentAsync(new IngestDocumentRequest { Content = ByteString.CopyFromUtf8("Version two."), FileName = "a.txt", NewSource = source });

        Assert.Equal("example-news-deportations-up", first.Source.Id);
        Assert.Equal(first.Source.Id, second.Source.Id);
        Assert.NotEqual(first.Snapshot.Id, second.Snapshot.Id);
        var listed = await host.Ingestion.ListSnapshotsAsync(new ListSnapshotsRequest { SourceId = first.Source.Id, PageSize = 1 });
        Assert.Single(listed.Snapshots);
        Assert.NotEqual("", listed.NextPageToken);
    }

    [Fact]
    public async Task SameBytesForAnotherSource_AlreadyExistsNamingTheOwner()
    {
        await using var host = await TallyTestHost.StartAsync();
        var bytes = Utf8("Shared text.");
        await host.IngestAsync(bytes, "a.txt", Source);

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.IngestAsync(bytes, "a.txt", "colorlines-2012-deportation-review"));

        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
        Assert.Contains(Source, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSourceGiven_InvalidArgument()
    {
        await using var host = await TallyTestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            host.Ingestion.IngestDocumentAsync(new IngestDocumentRequest { Content = ByteString.CopyFromUtf8("x"), FileName = "a.txt" }));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("source_id", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownSnapshot_NotFound()
    {
        await using var host = await TallyTestHost.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = new string('0', 64) }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("ListSnapshots", ex.Status.Detail, StringComparison.Ordinal);
    }

    [SeedsFact]
    public async Task Seed_CatalogFiguresPointAtItsSnapshot_AndCandidatesDoNotRepeatThem()
    {
        await using var host = await TallyTestHost.StartAsync();
        const string sourceId = "ice-annual-report-fy2024-page";
        var seed = host.Catalog.FindSource(sourceId)!.Seed!;
        var bytes = await File.ReadAllBytesAsync(Path.Combine(SharedData.SeedsDirectory!, seed + ".txt"));

        var response = await host.IngestAsync(bytes, seed + ".txt", sourceId);

        var fromSeed = await host.Ingestion.ListFiguresAsync(new ListFiguresRequest { SnapshotId = response.Snapshot.Id, PageSize = 1000 });
        var reviewed = fromSeed.Figures.Where(f => f.ReviewState == ReviewState.Reviewed).ToList();
        var catalogIds = host.Catalog.Figures.Where(f => f.Citations[0].Source == sourceId).Select(f => f.Id).Order(StringComparer.Ordinal);
        Assert.Equal(catalogIds, reviewed.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.All(reviewed, f => Assert.All(f.Citations.Where(c => c.SourceId == sourceId), c => Assert.Equal(response.Snapshot.Id, c.SnapshotId)));
        var unreviewed = fromSeed.Figures.Where(f => f.ReviewState == ReviewState.Unreviewed).ToList();
        Assert.Equal(response.FigureCandidates, unreviewed.Count);
        Assert.DoesNotContain(unreviewed, u => reviewed.Any(r => r.Value == u.Value && r.ExtractedSentence.Contains(u.ValueText, StringComparison.Ordinal)));

        // The event names exactly the metrics whose figures the snapshot added or now backs (the query evicts those).
        var ingested = await host.Events.WaitForAsync<SourceIngested>(e => e.SnapshotId == response.Snapshot.Id && e.IsNewSnapshot);
        var changed = fromSeed.Figures.Select(f => f.MetricId).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        Assert.NotNull(ingested.FigureMetricIds);
        Assert.NotEmpty(ingested.FigureMetricIds);
        Assert.Equal(changed, ingested.FigureMetricIds);
    }
}
