using Google.Protobuf;
using Tally.Common.V1;
using Tally.Ingestion.V1;
using Tally.Query.V1;

namespace Tally.Security.Tests;

/// <summary>
/// Roles meet computed metrics: an editor ingests ICE's book-outs table, a reader asks about releases. Computing the
/// figure makes ingestion record a citation of the uploaded file, which a reader may not do; the service does it on its
/// own account, so the reader's answer carries a real, formatted citation instead of a fallback reference.
/// </summary>
public sealed class ComputedAnswerForReaderTests(SecuredTally tally) : IClassFixture<SecuredTally>
{
    private static string BookOuts => Path.GetFullPath(Path.Combine(RepoRoot.PathOf(".."), "shared", "data", "ice-detention-stats", "book-outs-by-reason.csv"));

    [BookOutsFact]
    public async Task ReaderAsksAComputedMetric_TheFigureIsCited_AndTheReferencesAreFormatted()
    {
        var bytes = await File.ReadAllBytesAsync(BookOuts);
        using (var call = new IngestionService.IngestionServiceClient(tally.As(tally.EditorKey)).IngestDataset())
        {
            await call.RequestStream.WriteAsync(new IngestDatasetRequest
            {
                Header = new DatasetHeader { Name = "ice-detention-stats", FileName = "book-outs-by-reason.csv", Format = DatasetFormat.Csv, ExpectedBytes = bytes.Length },
            });
            for (var i = 0; i < bytes.Length; i += 65536)
            {
                await call.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(bytes, i, Math.Min(65536, bytes.Length - i)) });
            }

            await call.RequestStream.CompleteAsync();
            IngestDatasetProgress? last = null;
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                last = call.ResponseStream.Current;
            }

            Assert.Equal(IngestDatasetProgress.Types.Phase.Completed, last?.Phase);
        }

        var answer = await new QueryService.QueryServiceClient(tally.As(tally.ReaderKey)).AskAsync(new AskRequest
        {
            Question = "How many people with criminal convictions did ICE release from detention in FY2023?",
            SkipCache = true,
        });

        var main = Assert.Single(answer.Figures, f => f.Role == FigureRole.Main);
        Assert.Equal(7626d, main.Value);
        Assert.NotEmpty(main.Citations);
        var references = answer.Citations.Where(r => main.Citations.Contains(r.Number)).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.False(string.IsNullOrEmpty(r.CitationId), "the computed figure's citation was not recorded"));
        Assert.All(references, r => Assert.True(r.Verified, $"reference [{r.Number}] is not verified: {r.Fragment}"));
        Assert.DoesNotContain(answer.Caveats, c => c.Text.Contains("could not format", StringComparison.Ordinal));
        Assert.DoesNotContain(tally.Logs.Lines, l => l.Contains("Could not record the citation", StringComparison.Ordinal));
    }

    /// <summary>Skipped, saying so, when ../shared/data (next to the repository) does not hold the ICE table.</summary>
    private sealed class BookOutsFactAttribute : FactAttribute
    {
        public BookOutsFactAttribute()
        {
            if (!File.Exists(BookOuts))
            {
                Skip = $"{BookOuts} is absent, so the ICE book-outs table cannot be ingested here.";
            }
        }
    }
}
