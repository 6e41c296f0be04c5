using Tally.Datasets.Query;

namespace Tally.Datasets.Tests;

/// <summary>
/// Which dataset an upload without a name goes to: its spec's, else the bundled catalog dataset whose file patterns
/// match the file (so a fact-checker who uploads ICE's book-outs file gets answers from the catalog's metrics), else a
/// slug of the file name; a file two catalog datasets claim is refused, naming both.
/// </summary>
public sealed class DatasetNameTests
{
    [Theory]
    [InlineData("book-outs-by-reason.csv", "ice-detention-stats")] // the catalog's pattern
    [InlineData("book-outs-by-reason-fy2025-monthly.csv", "ice-detention-stats")] // "book-outs-by-reason-*monthly*.csv"
    [InlineData("removals.csv", "ice-detention-stats")]
    [InlineData("FY24 Detention Stats (1).xlsx", "fy24-detention-stats-1")] // no pattern matches: a slug of the file name
    [InlineData("___.csv", "dataset")]
    public async Task AnUnnamedUpload_GoesToTheCatalogDatasetThatClaimsItsFile_ElseToASlug(string file, string expected)
    {
        await using var db = await TestDb.CreateAsync("sqlite", new DatasetEngineOptions { SpecDirectory = RepoPaths.DatasetSpecs });

        Assert.Equal(expected, db.Engine.DatasetNameFor(new DatasetUpload { DatasetName = "", FileName = file }));
        Assert.Equal("my-pick", db.Engine.DatasetNameFor(new DatasetUpload { DatasetName = "my-pick", FileName = file })); // a given name wins
        Assert.Equal("from-spec", db.Engine.DatasetNameFor(new DatasetUpload
        {
            DatasetName = "",
            FileName = file,
            SpecYaml = "dataset: from-spec\ntables:\n  - name: t\n    columns:\n      - {name: a, type: string}\n",
        }));
    }

    [Fact]
    public async Task AFileTwoCatalogDatasetsClaim_IsRefused_NamingBoth()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tally-dataset-names", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var name in new[] { "alpha", "beta" })
            {
                await File.WriteAllTextAsync(Path.Combine(dir, $"{name}.yaml"),
                    $"dataset: {name}\ntables:\n  - name: t\n    files: [\"shared-*.csv\"]\n    columns:\n      - {{name: a, type: string}}\n");
            }

            await using var db = await TestDb.CreateAsync("sqlite", new DatasetEngineOptions { SpecDirectory = dir });
            var e = await Assert.ThrowsAsync<DatasetException>(() =>
                db.Engine.LoadAsync(new DatasetUpload { DatasetName = "", FileName = "shared-2024.csv" }, new MemoryStream("a\n1\n"u8.ToArray())));

            Assert.Equal(DatasetErrorKind.InvalidArgument, e.Kind);
            Assert.Contains("alpha, beta", e.Message, StringComparison.Ordinal);
            Assert.Contains("name the dataset", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SharedDataFact]
    public async Task ICEsBookOutsFile_UploadedWithoutAName_AnswersTheCatalogsMetric()
    {
        await using var db = await TestDb.CreateAsync("sqlite", new DatasetEngineOptions { SpecDirectory = RepoPaths.DatasetSpecs, ProgressIntervalMs = 0 });
        await using (var file = File.OpenRead(Path.Combine(RepoPaths.IceStats!, "book-outs-by-reason.csv")))
        {
            var summary = await db.Engine.LoadAsync(new DatasetUpload { DatasetName = "", FileName = "book-outs-by-reason.csv" }, file);
            Assert.Equal("ice-detention-stats", summary.DatasetName);
        }

        var result = await db.Engine.ComputeAsync(IceDetentionStatsTests.ReleasesConvicted, MetricPeriod.FiscalYear(2023));
        Assert.Equal(7_626, result.Value);
    }
}
