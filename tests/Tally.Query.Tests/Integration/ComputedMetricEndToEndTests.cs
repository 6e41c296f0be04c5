using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Tally.Ingestion.V1;
using Tally.Query.Tests.Support;
using Tally.Query.V1;
using Code = Tally.Common.V1.Caveat.Types.Code;

namespace Tally.Query.Tests.Integration;

/// <summary>
/// A computed metric end to end over real gRPC in the embedded default: before the dataset is ingested the seed
/// question says no figure is available and what would settle it; after ICE's book-outs table is streamed through
/// IngestDataset, the query service asks ingestion to compute ice-releases-convicted and answers with the figure, the
/// data pull used, what the other pulls said, the suspect pulls skipped and a verified citation of the uploaded file.
/// Its own host (collection), so the other end-to-end tests never see the dataset.
/// </summary>
[Collection(DatasetsCollection.Name)]
public sealed class ComputedMetricEndToEndTests(AllInOneFixture fx)
{
    private const string Question = "How many people with criminal convictions did ICE release from detention in FY2023?";

    private static string Describe(Answer a) =>
        $"{a.Status}: {a.Headline}\n figures: {string.Join("; ", a.Figures.Select(f => $"{f.Role} {f.MetricId} {f.ValueText} {f.Vintage}"))}\n caveats: " +
        string.Join(" | ", a.Caveats.Select(c => $"{c.Code}: {c.Text}")) +
        $"\n candidates: {string.Join(", ", a.Resolution?.Candidates.Select(c => $"{c.MetricId}:{c.Score:F2}") ?? [])}";

    [IceDataFact]
    public async Task ReleasesOfConvictedFy2023_BeforeAndAfterIngestingBookOuts_NotAvailableThen7626FromPull20230930()
    {
        // Before: no figure yet, and what would settle it.
        var before = await fx.Query.AskAsync(new AskRequest { Question = Question, SkipCache = true });
        Assert.True(before.Status == AnswerStatus.NotPublished, Describe(before));
        Assert.Empty(before.Figures);
        var gap = Assert.Single(before.DataGaps);
        Assert.Equal("ice-releases-convicted", gap.MetricId);
        Assert.Contains("tally ingest dataset book-outs-by-reason.csv", gap.WhatWouldSettle, StringComparison.Ordinal);
        Assert.Contains(before.Caveats, c => c.Code == Code.ComputedNotPublished && c.Text.StartsWith("No figure is available yet", StringComparison.Ordinal));
        Assert.Contains(before.Related, r => r.MetricId == "ice-national-docket-convicted" && r.Differences.Contains(Code.StockNotFlow));

        // Ingest ICE's book-outs table (the catalog's spec; the spec's source is the catalog's ICE detention statistics).
        var file = IceDataFactAttribute.BookOuts;
        var bytes = await File.ReadAllBytesAsync(file);
        var summary = await UploadAsync(new IngestionService.IngestionServiceClient(fx.Channel.CreateCallInvoker()), bytes);
        Assert.Equal(summary.RowsRead, summary.RowsStored + summary.RowsQuarantined);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), summary.SnapshotId);

        // After: the figure, its vintage, the other vintages, the caveats and a citation of the uploaded file.
        // The query service sees the new vintage when it consumes DatasetLoaded, or at the latest when its version
        // stamp ages out (VersionMaxAge, 1 s; docs/adr/0001); until then the cached answer from before may be served.
        // A loaded CI machine once asked within that window, so the test waits for it, bounded well above it.
        var after = await fx.Query.AskAsync(new AskRequest { Question = Question });
        for (var waited = Stopwatch.StartNew(); after.Status == AnswerStatus.NotPublished && waited.Elapsed < TimeSpan.FromSeconds(10);)
        {
            await Task.Delay(100);
            after = await fx.Query.AskAsync(new AskRequest { Question = Question });
        }

        Assert.True(after.Status is AnswerStatus.Answered or AnswerStatus.Partial, Describe(after));
        var main = Assert.Single(after.Figures, f => f.Role == FigureRole.Main);
        Assert.Equal(("ice-releases-convicted", 7626d, 2023, "2023-09-30"), (main.MetricId, main.Value, main.Period.FiscalYear, main.Vintage));
        Assert.Contains("7,626", after.Headline, StringComparison.Ordinal);
        Assert.Contains("2023-09-30", after.Headline, StringComparison.Ordinal);

        var computation = main.Computation;
        Assert.NotNull(computation);
        Assert.Equal(("ice-detention-stats", "book_outs_by_reason", "2023-09-30"), (computation.Dataset, computation.Table, computation.Used.Vintage));
        Assert.Contains(computation.OtherVintages, v => v.Vintage == "2023-09-18" && v.Value == 7016 && v.YearToDate && !v.Suspect);
        Assert.Contains(computation.SkippedVintages, v => v.Vintage == "2022-01-09" && v.SuspectReasons.Any(r => r.StartsWith("MISLABELLED_FISCAL_YEAR", StringComparison.Ordinal)));
        Assert.Contains(computation.SkippedVintages, v => v.Vintage == "2022-01-23");
        var reasons = Assert.Single(computation.Filters, f => f.Column == "release_reason");
        Assert.Equal(["Bonded Out", "Order of Recognizance", "Order of Supervision", "Paroled", "Court Ordered", "Prosecutorial Discretion"], reasons.Values);

        var how = Assert.Single(after.Caveats, c => c.Code == Code.ComputedNotPublished && c.Text.StartsWith("No source publishes this number", StringComparison.Ordinal));
        Assert.Contains("Bonded Out, Order of Recognizance, Order of Supervision, Paroled, Court Ordered or Prosecutorial Discretion", how.Text, StringComparison.Ordinal);
        Assert.Contains("criminality Convicted Criminal", how.Text, StringComparison.Ordinal);
        Assert.Contains(after.Caveats, c => c.Code == Code.Revised && c.Text.Contains("7,016 (the data pull of 2023-09-18, year to date)", StringComparison.Ordinal));
        var skipped = Assert.Single(after.Caveats, c => c.Code == Code.SuspectVintageSkipped);
        Assert.Contains("2022-01-09", skipped.Text, StringComparison.Ordinal);
        Assert.Contains("MISLABELLED_FISCAL_YEAR", skipped.Text, StringComparison.Ordinal);
        Assert.Contains(after.Caveats, c => c.Code == Code.DifferentUnit && c.Text.Contains("book-outs", StringComparison.Ordinal) && c.Text.Contains("not people", StringComparison.Ordinal));
        Assert.Contains(after.Caveats, c => c.Text.Contains("Criminality as ICE classified it when the table was built", StringComparison.Ordinal));

        var reference = after.Citations.Single(r => r.Number == main.Citations[0]);
        Assert.Equal(summary.SnapshotId, reference.SnapshotId);
        Assert.True(reference.Verified, $"{reference.Fragment} ({reference.LocatorText})");
        Assert.Contains("Convicted Criminal", reference.Fragment, StringComparison.Ordinal);
        Assert.EndsWith(",2023-09-30", reference.Fragment, StringComparison.Ordinal);
        Assert.Equal("ice-detention-statistics", await SourceOfAsync(reference.SnapshotId));
        Assert.Contains("ice-detention-stats", after.ServedFrom.DataVersions.Keys);
    }

    private async Task<string> SourceOfAsync(string snapshotId)
    {
        var ingestion = new IngestionService.IngestionServiceClient(fx.Channel.CreateCallInvoker());
        return (await ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = snapshotId })).Snapshot.SourceId;
    }

    /// <summary>Streams the file through IngestDataset in 64 KiB chunks and returns the final summary.</summary>
    private static async Task<DatasetLoadSummary> UploadAsync(IngestionService.IngestionServiceClient ingestion, byte[] bytes)
    {
        using var call = ingestion.IngestDataset();
        await call.RequestStream.WriteAsync(new IngestDatasetRequest
        {
            Header = new DatasetHeader { Name = "ice-detention-stats", FileName = "book-outs-by-reason.csv", Format = DatasetFormat.Csv, ExpectedBytes = bytes.Length },
        });
        var reading = Task.Run(async () =>
        {
            IngestDatasetProgress? last = null;
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                last = call.ResponseStream.Current;
            }

            return last;
        });
        for (var i = 0; i < bytes.Length; i += 65536)
        {
            await call.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(bytes, i, Math.Min(65536, bytes.Length - i)) });
        }

        await call.RequestStream.CompleteAsync();
        var final = await reading;
        Assert.NotNull(final);
        Assert.Equal(IngestDatasetProgress.Types.Phase.Completed, final.Phase);
        return final.Summary;
    }
}

/// <summary>A separate all-in-one host for tests that ingest datasets (answers of the shared host must not change).</summary>
[CollectionDefinition(Name)]
public sealed class DatasetsCollection : ICollectionFixture<AllInOneFixture>
{
    public const string Name = "all-in-one with datasets";
}

/// <summary>A fact that needs ICE's book-outs table from ../shared/data, and says why it is skipped when the file is absent.</summary>
public sealed class IceDataFactAttribute : FactAttribute
{
    public IceDataFactAttribute()
    {
        if (!File.Exists(BookOuts))
        {
            Skip = $"{BookOuts} is absent (../shared/data next to the repository), so the ICE book-outs table cannot be ingested here.";
        }
    }

    public static string BookOuts => Path.GetFullPath(Path.Combine(RepoPaths.RepoRoot, "..", "shared", "data", "ice-detention-stats", "book-outs-by-reason.csv"));
}
