using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Tally.Citations.V1;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.TestSupport;

namespace Tally.Ingestion.Tests.Integration;

/// <summary>The dataset rpcs over real gRPC: an upload through the IngestDataset duplex call, then listing and quarantine.</summary>
public sealed class IngestDatasetTests
{
    private const string Spec = """
        dataset: office-counts
        description: A tiny table for the ingestion service tests.
        tables:
          - name: counts
            files: ["*.csv"]
            format: csv
            columns:
              - {name: office, type: string, required: true}
              - {name: n, type: int, required: true}
        """;

    // header row 1, good rows 2-5 and 7, the bad row (n is not a number) is row 6
    private const string Csv = "office,n\nAtlanta,10\nBoston,20\nChicago,30\nDallas,40\nEl Paso,not-a-number\nFresno,60\n";

    private static Task<List<IngestDatasetProgress>> UploadAsync(TallyTestHost host, string name, string specYaml, byte[] content, int chunkSize = 16) =>
        UploadAsync(host, new DatasetHeader { Name = name, FileName = "office-counts.csv", SpecYaml = specYaml, Format = DatasetFormat.Csv, Vintage = "2024-10-01", ExpectedBytes = content.Length },
            content, chunkSize);

    private static async Task<List<IngestDatasetProgress>> UploadAsync(TallyTestHost host, DatasetHeader header, byte[] content, int chunkSize = 16)
    {
        using var call = host.Ingestion.IngestDataset();
        await call.RequestStream.WriteAsync(new IngestDatasetRequest { Header = header });
        var reading = Task.Run(async () =>
        {
            var messages = new List<IngestDatasetProgress>();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                messages.Add(call.ResponseStream.Current);
            }

            return messages;
        });
        try
        {
            for (var i = 0; i < content.Length; i += chunkSize)
            {
                await call.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(content, i, Math.Min(chunkSize, content.Length - i)) });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (InvalidOperationException)
        {
            // the server ended the call early (a refused upload); its status is thrown by the reader below
        }
        catch (RpcException)
        {
            // as above
        }

        return await reading;
    }

    [Fact]
    public async Task CsvWithOneBadRow_FiveStoredOneQuarantined_ListedWithAVintage()
    {
        await using var host = await TallyTestHost.StartAsync();

        var messages = await UploadAsync(host, "office-counts", Spec, Encoding.UTF8.GetBytes(Csv));

        var last = messages[^1];
        Assert.Equal(IngestDatasetProgress.Types.Phase.Completed, last.Phase);
        Assert.Single(messages, m => m.Phase == IngestDatasetProgress.Types.Phase.Completed);
        var summary = last.Summary;
        Assert.Equal(6, summary.RowsRead);
        Assert.Equal(5, summary.RowsStored);
        Assert.Equal(1, summary.RowsQuarantined);
        Assert.Equal("office-counts", summary.DatasetName);
        Assert.Contains("counts", summary.Tables);
        Assert.NotEmpty(summary.Vintages);

        var quarantine = await host.Ingestion.ListQuarantineAsync(new ListQuarantineRequest { Dataset = summary.DatasetId });
        var bad = Assert.Single(quarantine.Rows);
        Assert.Equal(1, quarantine.TotalSize);
        Assert.Equal(6, bad.RowNumber);
        Assert.Equal("office-counts.csv", bad.FileName);
        Assert.False(string.IsNullOrWhiteSpace(bad.Reason));
        Assert.Contains("not-a-number", bad.Raw, StringComparison.Ordinal);

        var listed = await host.Ingestion.ListDatasetsAsync(new ListDatasetsRequest { Name = "office-counts" });
        var dataset = Assert.Single(listed.Datasets);
        Assert.Equal(summary.DatasetId, dataset.Id);
        var vintage = Assert.Single(dataset.Vintages);
        Assert.Equal(5, vintage.RowCount);
        Assert.Contains(vintage.Vintage, summary.Vintages);
        Assert.Contains(dataset.Tables, t => t.Name == "counts" && t.RowCount == 5);
    }

    [Fact]
    public async Task MalformedSpec_InvalidArgumentWithTheEnginesMessage()
    {
        await using var host = await TallyTestHost.StartAsync();
        const string badSpec = """
            dataset: office-counts
            tables:
              - name: counts
                colums: []
            """;

        var ex = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(host, "office-counts", badSpec, Encoding.UTF8.GetBytes(Csv)));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("colums", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("did you mean 'columns'", ex.Status.Detail, StringComparison.Ordinal);
        var listed = await host.Ingestion.ListDatasetsAsync(new ListDatasetsRequest());
        Assert.Empty(listed.Datasets);
    }

    // ---- DatasetLoaded -------------------------------------------------------------------------------------------

    [Fact]
    public async Task CompletedLoad_PublishesDatasetLoadedWithCountsVintageAndSnapshot()
    {
        await using var host = await TallyTestHost.StartAsync();

        var summary = (await UploadAsync(host, "office-counts", Spec, Encoding.UTF8.GetBytes(Csv)))[^1].Summary;

        var loaded = await host.Events.WaitForAsync<DatasetLoaded>(e => e.DatasetName == "office-counts");
        Assert.Equal((summary.DatasetId, 5L, 1L), (loaded.DatasetId, loaded.RowsStored, loaded.RowsQuarantined));
        Assert.Equal(summary.Vintages, loaded.Vintages);
        Assert.Equal(summary.SnapshotId, loaded.SnapshotId);
        Assert.Single(host.Events.Of<DatasetLoaded>());
    }

    [Fact]
    public async Task LoadRefusedAfterEveryRowWasRead_NoDatasetLoadedAndNothingListed()
    {
        await using var host = await TallyTestHost.StartAsync();
        var bytes = Encoding.UTF8.GetBytes(Csv);
        var header = new DatasetHeader { Name = "office-counts", FileName = "office-counts.csv", SpecYaml = Spec, Vintage = "2024-10-01", ExpectedSha256 = new string('0', 64) };

        var ex = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(host, header, bytes));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("SHA-256", ex.Status.Detail, StringComparison.Ordinal);
        await BarrierAsync(host);
        Assert.DoesNotContain(host.Events.Of<DatasetLoaded>(), e => e.DatasetName == "office-counts");
        Assert.DoesNotContain((await host.Ingestion.ListDatasetsAsync(new ListDatasetsRequest())).Datasets, d => d.Name == "office-counts");
    }

    [Fact]
    public async Task UploadCancelledMidway_NoDatasetLoadedAndNothingListed()
    {
        await using var host = await TallyTestHost.StartAsync();
        var bytes = Encoding.UTF8.GetBytes(Csv);
        using (var call = host.Ingestion.IngestDataset())
        {
            await call.RequestStream.WriteAsync(new IngestDatasetRequest
            {
                Header = new DatasetHeader { Name = "office-counts", FileName = "office-counts.csv", SpecYaml = Spec, Vintage = "2024-10-01" },
            });
            await call.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(bytes, 0, 20) });
            await call.ResponseHeadersAsync; // the server is receiving; the upload never half-closes
        } // disposing cancels the call: the server sees RST_STREAM and abandons the load

        await BarrierAsync(host);
        Assert.DoesNotContain(host.Events.Of<DatasetLoaded>(), e => e.DatasetName == "office-counts");
        Assert.DoesNotContain((await host.Ingestion.ListDatasetsAsync(new ListDatasetsRequest())).Datasets, d => d.Name == "office-counts");
    }

    /// <summary>A completed load of another dataset, waited for until its DatasetLoaded arrives: events published before it have arrived too.</summary>
    private static async Task BarrierAsync(TallyTestHost host)
    {
        var last = (await UploadAsync(host, "barrier-counts", Spec.Replace("office-counts", "barrier-counts", StringComparison.Ordinal), Encoding.UTF8.GetBytes(Csv)))[^1];
        Assert.Equal(IngestDatasetProgress.Types.Phase.Completed, last.Phase);
        await host.Events.WaitForAsync<DatasetLoaded>(e => e.DatasetName == "barrier-counts");
    }

    // ---- sources and snapshots --------------------------------------------------------------------------------------

    [Fact]
    public async Task NewSource_RegisteredWithCitations_FileStoredAsSnapshotOnce()
    {
        await using var host = await TallyTestHost.StartAsync();
        var bytes = Encoding.UTF8.GetBytes(Csv);
        var header = new DatasetHeader
        {
            Name = "office-counts", FileName = "office-counts.csv", SpecYaml = Spec, Vintage = "2024-10-01",
            NewSource = new Source { Kind = SourceKind.OfficialDataset, Publisher = "Test Office", Title = "Office counts", Url = "https://example.org/office-counts" },
        };

        var first = (await UploadAsync(host, header, bytes))[^1].Summary;
        var again = (await UploadAsync(host, header, bytes))[^1].Summary;

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal((sha, sha), (first.SnapshotId, first.ContentSha256));
        Assert.True(again.AlreadyExisted);
        Assert.Equal(first.SnapshotId, again.SnapshotId);
        var sources = await host.Citations.ListSourcesAsync(new ListSourcesRequest { Publisher = "Test Office" });
        var source = Assert.Single(sources.Sources);
        Assert.Equal(("Office counts", "https://example.org/office-counts", SourceKind.OfficialDataset), (source.Title, source.Url, source.Kind));
        var snapshot = await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = sha, IncludeText = true });
        Assert.Equal((source.Id, "text/csv", "office-counts.csv", (long)bytes.Length), (snapshot.Snapshot.SourceId, snapshot.Snapshot.MediaType, snapshot.Snapshot.FileName, snapshot.Snapshot.ByteLength));
        Assert.Equal(Csv, snapshot.Text);
        Assert.Single((await host.Ingestion.ListSnapshotsAsync(new ListSnapshotsRequest { SourceId = source.Id })).Snapshots);
        Assert.Equal(source.Id, Assert.Single((await host.Ingestion.ListDatasetsAsync(new ListDatasetsRequest { Name = "office-counts" })).Datasets).SourceId);
        await host.Events.WaitForAsync<SourceIngested>(e => e.SnapshotId == sha && e.SourceId == source.Id && e.IsNewSnapshot);
    }

    [Fact]
    public async Task NoSourceAnywhere_StoredWithoutOneAndSaidSo()
    {
        await using var host = await TallyTestHost.StartAsync();

        var summary = (await UploadAsync(host, "office-counts", Spec, Encoding.UTF8.GetBytes(Csv)))[^1].Summary;

        var note = Assert.Single(summary.Findings, f => f.Code == "NO_SOURCE");
        Assert.Contains("source_id or new_source", note.Message, StringComparison.Ordinal);
        var snapshot = await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = summary.SnapshotId });
        Assert.Equal("", snapshot.Snapshot.SourceId);
    }

    [Fact]
    public async Task UnknownSourceId_NotFoundAndNothingLoaded()
    {
        await using var host = await TallyTestHost.StartAsync();
        var header = new DatasetHeader { Name = "office-counts", FileName = "office-counts.csv", SpecYaml = Spec, SourceId = "no-such-source" };

        var ex = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(host, header, Encoding.UTF8.GetBytes(Csv)));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no-such-source", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await host.Ingestion.ListDatasetsAsync(new ListDatasetsRequest())).Datasets);
    }

    // ---- ComputeMetric ----------------------------------------------------------------------------------------------

    private const string ReleasesSpec = """
        dataset: office-releases
        tables:
          - name: releases
            files: ["*.csv"]
            format: csv
            columns:
              - {name: office, type: string, required: true}
              - {name: day, type: date, required: true}
              - {name: n, type: int, required: true}
        """;

    private const string ReleasesCsv = "office,day,n\n\"Dallas, TX\",2022-12-01,5\nAtlanta,2023-10-05,10\nBoston,2023-11-01,20\nChicago,2024-03-01,30\n";

    private static ComputedSource Releases(params string[] offices)
    {
        var c = new ComputedSource
        {
            Dataset = "office-releases", Table = "releases", DateColumn = "day", Calendar = PeriodBasis.FiscalYearUsFederal,
            Measure = new DatasetMeasure { Aggregation = DatasetMeasure.Types.Aggregation.Sum, Column = "n" },
        };
        var filter = new DatasetFilter { Column = "office", Operator = DatasetFilter.Types.Operator.In };
        filter.Values.AddRange(offices);
        c.Filters.Add(filter);
        return c;
    }

    [Fact]
    public async Task ComputeMetric_DatasetNotIngested_LoadedFalseWithTheReason()
    {
        await using var host = await TallyTestHost.StartAsync();

        var response = await host.Ingestion.ComputeMetricAsync(new ComputeMetricRequest { MetricId = "office-releases-total", Computation = Releases("Atlanta") });

        Assert.False(response.Loaded);
        Assert.Contains("office-releases", response.Message, StringComparison.Ordinal);
        Assert.Empty(response.Years);
    }

    [Fact]
    public async Task ComputeMetric_AfterLoad_FigurePerYearCitingTheFirstCountedRowVerified()
    {
        await using var host = await TallyTestHost.StartAsync();
        var header = new DatasetHeader
        {
            Name = "office-releases", FileName = "releases.csv", SpecYaml = ReleasesSpec, Vintage = "2024-10-01",
            NewSource = new Source { Kind = SourceKind.OfficialDataset, Publisher = "Test Office", Title = "Office releases", Url = "https://example.org/releases" },
        };
        var summary = (await UploadAsync(host, header, Encoding.UTF8.GetBytes(ReleasesCsv)))[^1].Summary;

        var response = await host.Ingestion.ComputeMetricAsync(new ComputeMetricRequest
        {
            MetricId = "office-releases-total", DefinitionVersion = 3, Computation = Releases("Atlanta", "Boston", "Dallas, TX"),
            Periods = { new Period { Kind = PeriodKind.FiscalYear, FiscalYear = 2024 }, new Period { Kind = PeriodKind.FiscalYear, FiscalYear = 2023 } },
        });

        Assert.True(response.Loaded);
        Assert.Equal([2024, 2023], response.Years.Select(y => y.Period.FiscalYear));
        var fy2024 = response.Years[0];
        Assert.True(fy2024.HasValue);
        Assert.Equal(("office-releases-total", 3, 30d, "2024-10-01", summary.SnapshotId), (fy2024.Figure.MetricId, fy2024.Figure.DefinitionVersion, fy2024.Figure.Value, fy2024.Figure.Vintage, fy2024.Figure.SnapshotId));
        Assert.Equal(("releases", "sum(n)", "2024-10-01"), (fy2024.Computation.Table, fy2024.Computation.Measure, fy2024.Computation.Used.Vintage));
        Assert.Contains("FROM", fy2024.Computation.Sql, StringComparison.Ordinal);
        var citation = Assert.Single(fy2024.Figure.Citations);
        Assert.Equal(("Atlanta,2023-10-05,10", "3", summary.SnapshotId), (citation.Fragment, citation.Locator.Row, citation.SnapshotId));
        Assert.True(citation.Verified, citation.Verification?.Detail);
        Assert.False(string.IsNullOrEmpty(citation.Id));
        Assert.Equal(5d, response.Years[1].Figure.Value);
        Assert.Equal("\"Dallas, TX\",2022-12-01,5", response.Years[1].Figure.Citations[0].Fragment);

        var again = await host.Ingestion.ComputeMetricAsync(new ComputeMetricRequest { MetricId = "office-releases-total", Computation = Releases("Atlanta", "Boston", "Dallas, TX") });
        Assert.True(again.Years.All(y => y.Computation.FromMaterialised));
        Assert.Equal([2023, 2024], again.Years.Select(y => y.Period.FiscalYear));
    }

    [Fact]
    public async Task ComputeMetric_FilterOnAValueTheColumnCannotHold_InvalidArgument()
    {
        await using var host = await TallyTestHost.StartAsync();
        await UploadAsync(host, new DatasetHeader { Name = "office-releases", FileName = "releases.csv", SpecYaml = ReleasesSpec, Vintage = "2024-10-01" }, Encoding.UTF8.GetBytes(ReleasesCsv));
        var computation = Releases("Atlanta");
        computation.Measure.Column = "office";

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Ingestion.ComputeMetricAsync(new ComputeMetricRequest { MetricId = "bad", Computation = computation }));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("office", ex.Status.Detail, StringComparison.Ordinal);
    }
}
