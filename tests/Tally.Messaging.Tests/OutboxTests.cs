using Dapper;
using Tally.Messaging.Outbox;
using Tally.Messaging.Tests.Infrastructure;

namespace Tally.Messaging.Tests;

/// <summary>
/// The transactional outbox on both dialects, with the in-memory bus: a committed change is published once and marked
/// sent; a rolled-back change leaves neither its row nor its event; rows committed by a process that never relayed them
/// go out when a relay starts; rows that can never be published are set aside without blocking the rest.
/// </summary>
public sealed class OutboxTests
{
    private const string Published = "tally_bus_published_total";
    private const string Backlog = "tally_outbox_backlog";
    private const string ThingChangedLabel = "message_type=\"ThingChanged\"";

    [Fact]
    public Task Sqlite_CommittedChanges_ArePublishedOnceInOrder_AndMarkedSent() => CommittedChangesAsync(TestDatabase.Sqlite());

    [PostgresFact]
    public Task Postgres_CommittedChanges_ArePublishedOnceInOrder_AndMarkedSent() => CommittedChangesAsync(TestDatabase.Postgres());

    [Fact]
    public Task Sqlite_FailureBeforeCommit_LeavesNoRowAndPublishesNothing() => RolledBackAsync(TestDatabase.Sqlite());

    [PostgresFact]
    public Task Postgres_FailureBeforeCommit_LeavesNoRowAndPublishesNothing() => RolledBackAsync(TestDatabase.Postgres());

    [Fact]
    public Task Sqlite_RowsCommittedWithoutARelay_ArePublishedWhenARelayStarts() => StrandedAsync(TestDatabase.Sqlite());

    [PostgresFact]
    public Task Postgres_RowsCommittedWithoutARelay_ArePublishedWhenARelayStarts() => StrandedAsync(TestDatabase.Postgres());

    [Fact]
    public Task Sqlite_UnpublishableRows_AreSetAsideWithTheReason_AndLaterRowsStillGoOut() => UnpublishableAsync(TestDatabase.Sqlite());

    [PostgresFact]
    public Task Postgres_UnpublishableRows_AreSetAsideWithTheReason_AndLaterRowsStillGoOut() => UnpublishableAsync(TestDatabase.Postgres());

    private static async Task CommittedChangesAsync(TestDatabase database)
    {
        await using var _ = database;
        await using var host = await BusHost.StartAsync(database);
        var run = Run();
        var sent = new List<Guid>();
        for (var n = 1; n <= 5; n++)
        {
            sent.Add((await host.ChangeAsync(run, n)).EventId);
        }

        var seen = await host.Deliveries.WaitAsync(run, s => s.Count >= 5);
        Assert.Equal([1, 2, 3, 4, 5], seen.Select(s => s.Number));
        Assert.Equal(sent, seen.Select(s => s.MessageId!.Value)); // the message id is the event's EventId
        Assert.All(seen, s => Assert.True(s.Applied));

        Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM bus_outbox WHERE sent_at IS NULL"));
        Assert.Equal(5, await host.CountAsync("SELECT COUNT(*) FROM bus_outbox WHERE sent_at IS NOT NULL"));
        Assert.Equal(5, await host.WaitForMetricAsync(Published, v => v >= 5, ThingChangedLabel));
        Assert.Equal(0, await host.WaitForMetricAsync(Backlog, v => v == 0, $"outbox=\"{database.Owner}\""));
        Assert.Contains($"{Backlog}{{outbox=\"{database.Owner}\"}} 0", await host.ScrapeAsync(), StringComparison.Ordinal);
    }

    private static async Task RolledBackAsync(TestDatabase database)
    {
        await using var _ = database;
        await using var host = await BusHost.StartAsync(database);
        var run = Run();

        await Assert.ThrowsAsync<InjectedFailureException>(() => host.ChangeAsync(run, 1, failBeforeCommit: true));
        Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM things WHERE run = @run", new { run }));
        Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM bus_outbox"));

        // A later change goes out; the relay publishes in commit order, so had thing 1 been stored it would come first.
        await host.ChangeAsync(run, 2);
        var seen = await host.Deliveries.WaitAsync(run, s => s.Count >= 1);
        Assert.Equal([2], seen.Select(s => s.Number));
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM bus_outbox"));
        Assert.Equal(1, await host.WaitForMetricAsync(Published, v => v >= 1, ThingChangedLabel));
        Assert.Equal([2], host.Deliveries.Of(run).Select(s => s.Number));
    }

    private static async Task StrandedAsync(TestDatabase database)
    {
        await using var _ = database;
        var run = Run();

        // A process committed three changes and stopped before any relay published them (no relay runs here).
        await using (var crashed = await database.OpenMigratedAsync())
        {
            var outbox = new TransactionalOutbox(crashed);
            for (var n = 1; n <= 3; n++)
            {
                await BusHost.ChangeAsync(crashed, outbox, run, n);
            }

            await using var connection = await crashed.OpenAsync();
            Assert.Equal(3, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM bus_outbox WHERE sent_at IS NULL"));
        }

        // The next process's relay finds them on its first look (nobody signals it) and publishes them in order.
        await using var host = await BusHost.StartAsync(database);
        var seen = await host.Deliveries.WaitAsync(run, s => s.Count >= 3);
        Assert.Equal([1, 2, 3], seen.Select(s => s.Number));
        Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM bus_outbox WHERE sent_at IS NULL"));
    }

    private static async Task UnpublishableAsync(TestDatabase database)
    {
        await using var _ = database;
        var run = Run();
        await using (var before = await database.OpenMigratedAsync())
        {
            await using var connection = await before.OpenAsync();
            await connection.ExecuteAsync(
                "INSERT INTO bus_outbox (message_id, message_type, body, created_at) VALUES (@id1, 'Gone.Namespace.Removed, Gone', '{}', 0), " +
                "(@id2, 'Tally.Messaging.Tests.Events.ThingChanged, Tally.Messaging.Tests', '{\"Run\": 12', 0)",
                new { id1 = Guid.NewGuid().ToString("D"), id2 = Guid.NewGuid().ToString("D") });
        }

        await using var host = await BusHost.StartAsync(database);
        await host.ChangeAsync(run, 1);
        var seen = await host.Deliveries.WaitAsync(run, s => s.Count >= 1);
        Assert.Equal([1], seen.Select(s => s.Number));

        await using var connection2 = await host.Database.OpenAsync();
        var failed = (await connection2.QueryAsync<string>("SELECT last_error FROM bus_outbox WHERE failed_at IS NOT NULL ORDER BY id")).ToList();
        Assert.Equal(2, failed.Count);
        Assert.Contains("is not known to this process", failed[0], StringComparison.Ordinal);
        Assert.Contains("is not a ThingChanged", failed[1], StringComparison.Ordinal);
        Assert.Equal(0, await host.WaitForMetricAsync(Backlog, v => v == 0, $"outbox=\"{database.Owner}\""));
    }

    private static string Run() => Guid.NewGuid().ToString("N")[..12];
}
