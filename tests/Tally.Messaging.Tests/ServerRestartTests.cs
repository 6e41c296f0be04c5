using Tally.Messaging.Tests.Infrastructure;

namespace Tally.Messaging.Tests;

/// <summary>
/// Faults of the real servers, each stopped and started again with scripts/infra-down.sh / infra-up.sh (data kept):
/// RabbitMQ away while changes commit (the outbox holds their events and delivers each once in effect when it is
/// back), PostgreSQL restarted (the store and the relay work again without restarting the host). They run alone.
/// </summary>
[Collection(ServerRestarts.Name)]
public sealed class ServerRestartTests
{
    [RestartsFact("rabbitmq")]
    public async Task RabbitMqStopped_ChangesStillCommit_AndEveryEventArrivesOnceInEffectWhenItIsBack()
    {
        await using var database = TestDatabase.Sqlite();
        await using var host = await BusHost.StartAsync(database, "rabbitmq");
        var run = Guid.NewGuid().ToString("N")[..12];
        var backlog = $"outbox=\"{database.Owner}\"";
        try
        {
            await host.ChangeAsync(run, 0);
            await host.Deliveries.WaitAsync(run, s => s.Count >= 1); // consuming before the broker goes away

            await TestEnvironment.StopAsync("rabbitmq");
            try
            {
                for (var n = 1; n <= 10; n++)
                {
                    await host.ChangeAsync(run, n); // the database commits; the events wait in the outbox
                }

                Assert.Equal(10, await host.WaitForMetricAsync("tally_outbox_backlog", v => v >= 10, backlog));
                Assert.NotNull(host.Relay.LastProblem);
                Assert.Equal([0], host.Deliveries.Of(run).Select(s => s.Number));
            }
            finally
            {
                await TestEnvironment.StartAsync("rabbitmq");
            }

            var seen = await host.Deliveries.WaitAsync(run, s => Enumerable.Range(0, 11).All(n => s.Any(d => d.Number == n && d.Applied)), TimeSpan.FromSeconds(120));
            Assert.Equal(11, seen.Count(s => s.Applied)); // each applied once; any duplicate was recognised and skipped
            Assert.Equal(11, await host.CountAsync("SELECT COUNT(*) FROM thing_effects WHERE run = @run AND applied = 1", new { run }));
            Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM thing_effects WHERE run = @run AND applied <> 1", new { run }));
            Assert.Equal(0, await host.WaitForMetricAsync("tally_outbox_backlog", v => v == 0, backlog));
            Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM bus_outbox WHERE sent_at IS NULL"));
        }
        finally
        {
            await using var rabbit = await RabbitMqProbe.ConnectAsync();
            await rabbit.DeleteEndpointAsync(host.ConsumerQueue);
        }
    }

    [RestartsFact("postgres")]
    public async Task PostgresRestarted_TheStoreAndTheRelayWorkAgain_WithoutRestartingTheHost()
    {
        await using var database = TestDatabase.Postgres();
        await using var host = await BusHost.StartAsync(database);
        var run = Guid.NewGuid().ToString("N")[..12];
        await host.ChangeAsync(run, 1);
        await host.Deliveries.WaitAsync(run, s => s.Count >= 1);

        await TestEnvironment.StopAsync("postgres");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => host.ChangeAsync(run, 2));
        }
        finally
        {
            await TestEnvironment.StartAsync("postgres");
        }

        // Within a bound, a change commits again (a pooled connection that died with the server may fail one call).
        var number = 100;
        var until = DateTime.UtcNow.AddSeconds(30);
        var failures = new List<string>();
        while (true)
        {
            try
            {
                await host.ChangeAsync(run, number);
                break;
            }
            catch (Exception e) when (DateTime.UtcNow < until)
            {
                failures.Add(e.Message);
                number++;
                await Task.Delay(200);
            }
        }

        // From then on nothing hands out a dead connection: twenty concurrent changes all commit.
        await Task.WhenAll(Enumerable.Range(1000, 20).Select(n => host.ChangeAsync(run, n)));
        var expected = new[] { 1, number }.Concat(Enumerable.Range(1000, 20)).ToHashSet();
        var seen = await host.Deliveries.WaitAsync(run, s => expected.All(n => s.Any(d => d.Number == n)));
        Assert.DoesNotContain(seen, s => s.Number == 2);
        Assert.True(failures.Count <= 2, $"more than two failed calls after the restart: {string.Join(" | ", failures)}");
        Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM bus_outbox WHERE sent_at IS NULL"));
    }
}
