using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Tally.Messaging.Tests.Events;
using Tally.Messaging.Tests.Infrastructure;

namespace Tally.Messaging.Tests;

/// <summary>Consumers on the in-memory bus (the all-in-one's): idempotent on redelivery, retried with backoff, every attempt counted.</summary>
public sealed class ConsumerTests
{
    private const string Consumed = "tally_bus_consumed_total";
    private const string ThingChangedLabel = "message_type=\"ThingChanged\"";

    [Fact]
    public async Task RedeliveredMessage_ChangesNothingTwice()
    {
        await using var database = TestDatabase.Sqlite();
        await using var host = await BusHost.StartAsync(database);
        var run = Run();
        var message = await host.ChangeAsync(run, 1);
        await host.Deliveries.WaitAsync(run, s => s.Count >= 1);

        // The relay publishes at least once: the same event again, with the same message id, as after a crash between publish and mark.
        var bus = host.Services.GetRequiredService<IBus>();
        await bus.Publish(message, Pipe.Execute<PublishContext>(c => c.MessageId = message.EventId));
        var seen = await host.Deliveries.WaitAsync(run, s => s.Count >= 2);

        Assert.Equal([(1, message.EventId, true), (1, message.EventId, false)], seen);
        Assert.Equal(1, await host.CountAsync("SELECT applied FROM thing_effects WHERE run = @run AND number = 1", new { run }));
        Assert.Equal(2, await host.WaitForMetricAsync(Consumed, v => v >= 2, ThingChangedLabel, "result=\"ok\""));
    }

    [Fact]
    public async Task FailingConsumer_IsRetriedThenGivenUp_EachAttemptCounted_AndTheNextMessageIsConsumed()
    {
        await using var database = TestDatabase.Sqlite();
        await using var host = await BusHost.StartAsync(database);
        var run = Run();
        await host.ChangeAsync(run, -1);
        await host.ChangeAsync(run, 2);

        var seen = await host.Deliveries.WaitAsync(run, s => s.Any(d => d.Number == 2));
        Assert.Equal(1 + MessagingServiceCollectionExtensions.InMemoryRetries, seen.Count(s => s.Number == -1));
        Assert.Equal(MessagingServiceCollectionExtensions.InMemoryRetries,
            await host.WaitForMetricAsync(Consumed, v => v >= MessagingServiceCollectionExtensions.InMemoryRetries, ThingChangedLabel, "result=\"retry\""));
        Assert.Equal(1, await host.WaitForMetricAsync(Consumed, v => v >= 1, ThingChangedLabel, "result=\"error\""));
        Assert.Equal(1, await host.WaitForMetricAsync(Consumed, v => v >= 1, ThingChangedLabel, "result=\"ok\""));
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM thing_effects WHERE run = @run", new { run }));
    }

    private static string Run() => Guid.NewGuid().ToString("N")[..12];
}
