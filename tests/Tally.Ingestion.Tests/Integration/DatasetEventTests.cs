using System.Text;
using System.Text.Json;
using Dapper;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Tally.Contracts.Events;
using Tally.Datasets.Storage;
using Tally.Ingestion.V1;
using Tally.Storage;
using Tally.TestSupport;

namespace Tally.Ingestion.Tests.Integration;

/// <summary>DatasetLoaded goes through the outbox of the dataset engine's database and is published by its relay.</summary>
public sealed class DatasetEventTests
{
    private const string Spec = """
        dataset: event-counts
        description: A tiny table for the DatasetLoaded test.
        tables:
          - name: counts
            files: ["*.csv"]
            format: csv
            columns:
              - {name: office, type: string, required: true}
              - {name: n, type: int, required: true}
        """;

    [Fact]
    public async Task CompletedLoad_WritesDatasetLoadedToTheDatasetsOutbox_AndTheRelayPublishesIt()
    {
        await using var host = await TallyTestHost.StartAsync();
        var content = Encoding.UTF8.GetBytes("office,n\nAtlanta,10\nBoston,20\n");
        using (var call = host.Ingestion.IngestDataset())
        {
            await call.RequestStream.WriteAsync(new IngestDatasetRequest
            {
                Header = new DatasetHeader { Name = "event-counts", FileName = "event-counts.csv", SpecYaml = Spec, Format = DatasetFormat.Csv, Vintage = "2024-10-01", ExpectedBytes = content.Length },
            });
            await call.RequestStream.WriteAsync(new IngestDatasetRequest { Chunk = ByteString.CopyFrom(content) });
            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                // progress, then COMPLETED
            }
        }

        var database = host.App.Services.GetRequiredKeyedService<ServiceDatabase>(DatasetMigrations.DefaultOwner);
        var until = DateTime.UtcNow.AddSeconds(30);
        (string Body, long? SentAt) row;
        do
        {
            await using var connection = await database.OpenAsync();
            row = await connection.QuerySingleAsync<(string, long?)>(
                "SELECT body, sent_at FROM bus_outbox WHERE message_type LIKE 'Tally.Contracts.Events.DatasetLoaded,%'");
            if (row.SentAt is null)
            {
                await Task.Delay(50);
            }
        }
        while (row.SentAt is null && DateTime.UtcNow < until);

        Assert.NotNull(row.SentAt);
        var loaded = JsonSerializer.Deserialize<DatasetLoaded>(row.Body)!;
        Assert.Equal(("event-counts", 2L), (loaded.DatasetName, loaded.RowsStored));
    }
}
