using System.Text;
using Google.Protobuf;
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

    private static async Task<List<IngestDatasetProgress>> UploadAsync(TallyTestHost host, string name, string specYaml, byte[] content, int chunkSize = 16)
    {
        using var call = host.Ingestion.IngestDataset();
        await call.RequestStream.WriteAsync(new IngestDatasetRequest
        {
            Header = new DatasetHeader { Name = name, FileName = "office-counts.csv", SpecYaml = specYaml, Format = DatasetFormat.Csv, Vintage = "2024-10-01", ExpectedBytes = content.Length },
        });
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
}
