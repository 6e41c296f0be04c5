using System.Globalization;
using System.Text;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;
using Tally.Catalog;
using Tally.Citations.Storage;
using Tally.Citations.V1;
using Tally.Contracts.Events;
using Tally.TestSupport;
using Outcome = Tally.Common.V1.Verification.Types.Outcome;

namespace Tally.Citations.Tests.Integration;

/// <summary>A fact that needs PostgreSQL and RabbitMQ (TALLY_TEST_POSTGRES, TALLY_TEST_AMQP); skipped, saying so, without them.</summary>
internal sealed class DistributedFactAttribute : FactAttribute
{
    public DistributedFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES")) ||
            string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TALLY_TEST_AMQP")))
        {
            Skip = "TALLY_TEST_POSTGRES and TALLY_TEST_AMQP are needed (scripts/infra-up.sh postgres rabbitmq, then source $TALLY_INFRA_DIR/env): the distributed-mode test did not run.";
        }
    }
}

/// <summary>
/// Ingestion and citations as the cluster runs them: PostgreSQL storage (a database of the test's own, one schema per
/// owner, migrated at start) and RabbitMQ (a queue prefix of the test's own), events through each owner's outbox.
/// </summary>
public sealed class DistributedModeTests
{
    private const string Source = "colorlines-2012-deportation-review";

    [DistributedFact]
    public async Task OnPostgresAndRabbitMq_IngestVerifies_AndARedeliveredSourceIngestedChangesNothingTwice()
    {
        var admin = Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES")!;
        var databaseName = "tally_test_" + Guid.NewGuid().ToString("N")[..12];
        var prefix = "t" + Guid.NewGuid().ToString("N")[..10];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.ExecuteAsync($"CREATE DATABASE {databaseName}");
        }

        try
        {
            await using var host = await TallyTestHost.StartAsync(new Dictionary<string, string?>
            {
                // These tests exercise the services, not authentication (tests/Tally.Security.Tests does): callers on loopback edit.
                ["Tally:Auth:AnonymousLoopbackRole"] = "editor",
                ["Tally:Storage:InMemory"] = "false",
                ["Tally:Storage:Provider"] = "postgres",
                ["Tally:Storage:ConnectionString"] = new NpgsqlConnectionStringBuilder(admin) { Database = databaseName }.ConnectionString,
                ["Tally:Bus:Transport"] = "rabbitmq",
                ["Tally:Bus:RabbitMqUri"] = Environment.GetEnvironmentVariable("TALLY_TEST_AMQP"),
                ["Tally:Bus:QueuePrefix"] = prefix,
            });
            try
            {
                var c = host.Catalog.Figures.SelectMany(f => f.Citations).First(c => c.Source == Source);
                var id = CitationIds.ForSourceFragment(c.Source, c.Fragment);
                var text = "A later version of the page.\n\n" + c.Fragment + "\n";
                var snapshot = (await host.IngestAsync(Encoding.UTF8.GetBytes(text), "page.txt", Source)).Snapshot.Id;

                var verified = await host.WaitForCitationAsync(id, x => x.SnapshotId == snapshot);
                Assert.True(verified.Verified, verified.Verification?.Detail);
                Assert.Equal(Outcome.FoundExact, verified.Verification!.Outcome);
                var ingested = await host.Events.WaitForAsync<SourceIngested>(e => e.SnapshotId == snapshot && e.IsNewSnapshot);
                await host.Events.WaitForAsync<CitationVerified>(e => e.CitationId == id && e.SnapshotId == snapshot);

                // The same event twice more, with its message id: what a relay that crashed between publish and mark would send.
                var before = await WaitForConsumedOkAsync(host, 2); // the first delivery, to both consumers
                var bus = host.App.Services.GetRequiredService<IBus>();
                for (var i = 0; i < 2; i++)
                {
                    await bus.Publish(ingested, Pipe.Execute<PublishContext>(p => p.MessageId = ingested.EventId));
                }

                // Two consumers take SourceIngested here (citations' and the test's recorder): four more successful consumes.
                Assert.Equal(before + 4, await WaitForConsumedOkAsync(host, before + 4)); // the citations consumer handled both ...
                var checks = await host.App.Services.GetRequiredService<CitationStore>().ChecksAsync(id, CancellationToken.None);
                Assert.Single(checks, k => k.SnapshotId == snapshot); // ... and changed nothing
                var after = await host.Citations.GetCitationAsync(new GetCitationRequest { CitationId = id });
                Assert.Equal(verified.Verification.CheckedAt, after.Citation.Verification.CheckedAt);
                var database = host.App.Services.GetRequiredKeyedService<Tally.Storage.ServiceDatabase>(CitationsServiceExtensions.Owner);
                await using var connection = await database.OpenAsync();
                Assert.Equal(1, await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM bus_outbox WHERE body LIKE @pattern", new { pattern = $"%{id}%" })); // one CitationVerified, ever
                Assert.Single(host.Events.Of<CitationVerified>(), e => e.CitationId == id);
            }
            finally
            {
                await DeleteQueuesAsync(prefix);
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(admin);
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
        }
    }

    private static async Task<double> WaitForConsumedOkAsync(TallyTestHost host, double atLeast)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        double value;
        while ((value = await ConsumedOkAsync(host)) < atLeast && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        return value;
    }

    private static async Task<double> ConsumedOkAsync(TallyTestHost host)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.HttpPort}"), Timeout = TimeSpan.FromSeconds(10) };
        var scrape = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var line = scrape.Split('\n').FirstOrDefault(l =>
            l.StartsWith("tally_bus_consumed_total{", StringComparison.Ordinal) &&
            l.Contains("message_type=\"SourceIngested\"", StringComparison.Ordinal) && l.Contains("result=\"ok\"", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task DeleteQueuesAsync(string prefix)
    {
        var names = new KebabCaseEndpointNameFormatter(prefix, false);
        var queues = new[]
        {
            names.Consumer<SourceIngestedConsumer>(),
            names.Consumer<EventRecorder.SourceIngestedRecorder>(),
            names.Consumer<EventRecorder.FiguresExtractedRecorder>(),
            names.Consumer<EventRecorder.CitationVerifiedRecorder>(),
        };
        await using var connection = await new ConnectionFactory { Uri = new Uri(Environment.GetEnvironmentVariable("TALLY_TEST_AMQP")!) }.CreateConnectionAsync();
        foreach (var queue in queues.SelectMany(q => new[] { q, q + "_error", q + "_skipped" }))
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
            await channel.ExchangeDeleteAsync(queue, ifUnused: false);
        }
    }
}
