using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Tally.Grpc;
using Tally.Hosting.Limits;
using Tally.Ingestion.V1;
using Tally.TestSupport;

namespace Tally.Ingestion.Tests.Integration;

/// <summary>
/// Upload limits and busy gates of the ingestion service over real gRPC: bytes and rows of dataset uploads (the earlier
/// vintage stays as it was), the DatasetLoad and ComputeMetric gates, and file names that try to be paths.
/// </summary>
public sealed class UploadLimitTests
{
    private const string Source = "factually-wrongful-deportations-2024";

    private const string Spec = """
        dataset: office-counts
        tables:
          - name: counts
            files: ["*.csv"]
            format: csv
            columns:
              - {name: office, type: string, required: true}
              - {name: n, type: int, required: true}
        """;

    private static byte[] Rows(int count, int start = 0) =>
        Encoding.UTF8.GetBytes("office,n\n" + string.Concat(Enumerable.Range(start, count).Select(i => $"Office {i},{i}\n")));

    private static DatasetHeader Header(string vintage, string fileName = "office-counts.csv") =>
        new() { Name = "office-counts", FileName = fileName, SpecYaml = Spec, Format = DatasetFormat.Csv, Vintage = vintage };

    private static async Task<DatasetLoadSummary> UploadAsync(TallyTestHost host, DatasetHeader header, byte[] content)
    {
        using var call = host.Ingestion.IngestDataset();
        await call.RequestStream.WriteAsync(new IngestDatasetRequest { Header = header });
        var reading = Task.Run(async () =>
        {
            DatasetLoadSummary? summary = null;
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                summary = call.ResponseStream.Current.Summary ?? summary;
            }

            return summary ?? throw new InvalidOperationException("The upload ended without a summary.");
        });
        try
        {
            for (var i = 0; i < content.Length; i += 1024)
            {
                await call.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(content, i, Math.Min(1024, content.Length - i)) });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            // the server ended the call early; its status is thrown by the reader
        }

        return await reading;
    }

    private static async Task<Dataset> OnlyDatasetAsync(TallyTestHost host) =>
        Assert.Single((await host.Ingestion.ListDatasetsAsync(new ListDatasetsRequest { Name = "office-counts" })).Datasets);

    [Theory]
    [InlineData("Tally:Datasets:MaxBytes", "600", "Tally:Datasets:MaxBytes")]
    [InlineData("Tally:Datasets:MaxRows", "20", "Tally:Datasets:MaxRows")]
    [InlineData("Tally:Datasets:MaxRowsPerDataset", "40", "Tally:Datasets:MaxRowsPerDataset")]
    public async Task DatasetUploadOverALimit_ResourceExhaustedNamingIt_EarlierVintageIntact(string setting, string value, string named)
    {
        await using var host = await TallyTestHost.StartAsync(new Dictionary<string, string?> { [setting] = value });
        var first = await UploadAsync(host, Header("2024-10-01"), Rows(20)); // about 270 bytes, 20 rows

        var e = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(host, Header("2025-01-01"), Rows(60, start: 100))); // about 850 bytes, 60 rows

        Assert.Equal(20, first.RowsStored);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains(named, e.Status.Detail, StringComparison.Ordinal);
        var dataset = await OnlyDatasetAsync(host);
        var vintage = Assert.Single(dataset.Vintages);
        Assert.Equal("2024-10-01", vintage.Vintage);
        Assert.Equal(20, vintage.RowCount);
        var count = await host.Ingestion.QueryDatasetAsync(new QueryDatasetRequest { Dataset = "office-counts" });
        Assert.Equal(20, Assert.Single(count.Rows).Value);
    }

    [Fact]
    public async Task DatasetLoadsBusy_NextUploadResourceExhausted_TheRunningOneCompletes()
    {
        await using var host = await TallyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tally:Limits:Concurrency:DatasetLoad:MaxConcurrent"] = "1",
            ["Tally:Limits:Concurrency:DatasetLoad:MaxQueued"] = "0",
        });
        var work = host.App.Services.GetRequiredService<ExpensiveWork>();
        var content = Rows(10);
        using var running = host.Ingestion.IngestDataset();
        await running.RequestStream.WriteAsync(new IngestDatasetRequest { Header = Header("2024-10-01") });
        await running.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(content, 0, 10) });
        await Until(() => work.Running(ExpensiveWorkKind.DatasetLoad) == 1);

        var e = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(host, Header("2025-01-01"), Rows(5)));
        await running.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(content, 10, content.Length - 10) });
        await running.RequestStream.CompleteAsync();
        DatasetLoadSummary? summary = null;
        while (await running.ResponseStream.MoveNext(CancellationToken.None))
        {
            summary = running.ResponseStream.Current.Summary ?? summary;
        }

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.StartsWith("Server busy, retry", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Tally:Limits:Concurrency:DatasetLoad", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(10, summary?.RowsStored);
        Assert.Equal(0, work.Running(ExpensiveWorkKind.DatasetLoad));
    }

    [Fact]
    public async Task ComputeMetricBusy_ResourceExhausted_ThenServedOnceAPermitFrees()
    {
        await using var host = await TallyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tally:Limits:Concurrency:ComputeMetric:MaxConcurrent"] = "1",
            ["Tally:Limits:Concurrency:ComputeMetric:MaxQueued"] = "0",
        });
        var work = host.App.Services.GetRequiredService<ExpensiveWork>();
        var request = new ComputeMetricRequest { MetricId = "" }; // refused as INVALID_ARGUMENT once it runs

        RpcException busy;
        using (await work.EnterAsync(ExpensiveWorkKind.ComputeMetric, CancellationToken.None))
        {
            busy = await Assert.ThrowsAsync<RpcException>(() => host.Ingestion.ComputeMetricAsync(request));
        }

        var ran = await Assert.ThrowsAsync<RpcException>(() => host.Ingestion.ComputeMetricAsync(request));

        Assert.Equal(StatusCode.ResourceExhausted, busy.StatusCode);
        Assert.StartsWith("Server busy, retry", busy.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, ran.StatusCode);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("/etc/shadow", "shadow")]
    [InlineData("..\\..\\Windows\\System32\\evil.txt", "evil.txt")]
    [InlineData("C:evil.txt", "evil.txt")]
    [InlineData("report\0.txt", "report.txt")]
    [InlineData("notes\r\nX-Injected: 1.txt", "notesX-Injected: 1.txt")]
    [InlineData("evil\u202Etxt.exe", "eviltxt.exe")]
    [InlineData("../..", "")]
    public async Task DocumentFileName_IsStoredAsASanitisedLabel(string sent, string stored)
    {
        await using var host = await TallyTestHost.StartAsync();
        var content = Encoding.UTF8.GetBytes($"A note about {sent.Length} characters of file name.\n\nNo figures here.");

        var response = await host.IngestAsync(content, sent, Source, mediaType: "text/plain");
        var snapshot = await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = response.Snapshot.Id });

        Assert.Equal(stored, response.Snapshot.FileName);
        Assert.Equal(stored, snapshot.Snapshot.FileName);
    }

    [Fact]
    public async Task VeryLongDocumentFileName_CutTo255KeepingTheExtension()
    {
        await using var host = await TallyTestHost.StartAsync();

        var response = await host.IngestAsync(Encoding.UTF8.GetBytes("A note.\n\nNothing to extract."), new string('a', 100_000) + ".txt", Source);

        Assert.Equal(255, response.Snapshot.FileName.Length);
        Assert.EndsWith("aaa.txt", response.Snapshot.FileName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatasetFileNameWithTraversal_LoadsUnderItsLastSegment_StoredNamesSanitised()
    {
        await using var host = await TallyTestHost.StartAsync();
        var csv = Encoding.UTF8.GetBytes("office,n\nAtlanta,10\nBoston,not-a-number\n");

        var summary = await UploadAsync(host, Header("2024-10-01", "../../../../tmp/x\0y/..\\office-counts.csv"), csv);
        var snapshot = await host.Ingestion.GetSnapshotAsync(new GetSnapshotRequest { SnapshotId = summary.SnapshotId });
        var quarantine = await host.Ingestion.ListQuarantineAsync(new ListQuarantineRequest { Dataset = "office-counts" });

        Assert.Equal(1, summary.RowsStored);
        Assert.Equal("office-counts.csv", snapshot.Snapshot.FileName);
        Assert.Equal("office-counts.csv", Assert.Single(quarantine.Rows).FileName);
    }

    private static async Task Until(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 30 s");
            await Task.Delay(20);
        }
    }
}
