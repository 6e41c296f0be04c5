using System.Text;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Tally.Messaging.Tests.Infrastructure;

namespace Tally.Messaging.Tests;

/// <summary>
/// The bus on a real RabbitMQ (TALLY_TEST_AMQP), a queue prefix per test: poison messages end in the endpoint's
/// _error queue with the reason while the consumer keeps going, and a redelivered message changes nothing twice.
/// </summary>
public sealed class RabbitMqBusTests
{
    private const string Consumed = "tally_bus_consumed_total";
    private const string ThingChangedLabel = "message_type=\"ThingChanged\"";

    [RabbitMqFact]
    public async Task MalformedBody_EndsInTheErrorQueueWithTheReason_AndTheNextMessageIsConsumed()
    {
        await using var database = TestDatabase.Sqlite();
        await using var host = await BusHost.StartAsync(database, "rabbitmq");
        await using var rabbit = await RabbitMqProbe.ConnectAsync();
        try
        {
            var run = Run();
            await host.ChangeAsync(run, 1); // the endpoint is up and consuming
            await host.Deliveries.WaitAsync(run, s => s.Count >= 1);

            var body = Encoding.UTF8.GetBytes("{\"messageType\": [\"urn:message:Tally.Messaging.Tests.Events:ThingChanged\"], \"message\": {\"Run\": ");
            await rabbit.SendRawAsync(host.ConsumerQueue, body, "application/vnd.masstransit+json");
            var (errorBody, headers) = await rabbit.TakeAsync(host.ConsumerQueue + "_error", TimeSpan.FromSeconds(60));

            Assert.Equal(Encoding.UTF8.GetString(body), errorBody);
            Assert.True(headers.ContainsKey("MT-Reason"), $"headers: {string.Join(", ", headers.Keys)}");
            Assert.False(string.IsNullOrWhiteSpace(headers.GetValueOrDefault("MT-Fault-Message")), $"headers: {Describe(headers)}");
            Assert.False(string.IsNullOrWhiteSpace(headers.GetValueOrDefault("MT-Fault-ExceptionType")), $"headers: {Describe(headers)}");

            await host.ChangeAsync(run, 2);
            var seen = await host.Deliveries.WaitAsync(run, s => s.Count >= 2);
            Assert.Equal([1, 2], seen.Select(s => s.Number));
            Assert.Equal(1, await host.WaitForMetricAsync(Consumed, v => v >= 1, "message_type=\"unknown\"", "result=\"error\""));
        }
        finally
        {
            await rabbit.DeleteEndpointAsync(host.ConsumerQueue);
        }
    }

    [RabbitMqFact]
    public async Task ConsumerFailingEveryRetry_EndsInTheErrorQueueWithTheException_AndTheNextMessageIsConsumed()
    {
        await using var database = TestDatabase.Sqlite();
        await using var host = await BusHost.StartAsync(database, "rabbitmq");
        await using var rabbit = await RabbitMqProbe.ConnectAsync();
        try
        {
            var run = Run();
            var poison = await host.ChangeAsync(run, -1);
            await host.ChangeAsync(run, 2);

            var (errorBody, headers) = await rabbit.TakeAsync(host.ConsumerQueue + "_error", TimeSpan.FromSeconds(90));
            Assert.Contains(poison.EventId.ToString("D"), errorBody, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("System.InvalidOperationException", headers.GetValueOrDefault("MT-Fault-ExceptionType"));
            Assert.Contains("negative numbers are poison", headers.GetValueOrDefault("MT-Fault-Message"), StringComparison.Ordinal);

            var seen = await host.Deliveries.WaitAsync(run, s => s.Any(d => d.Number == 2));
            Assert.Equal(1 + MessagingServiceCollectionExtensions.RabbitMqRetries, seen.Count(s => s.Number == -1));
            Assert.Equal(MessagingServiceCollectionExtensions.RabbitMqRetries, await host.MetricAsync(Consumed, ThingChangedLabel, "result=\"retry\""));
            Assert.Equal(1, await host.MetricAsync(Consumed, ThingChangedLabel, "result=\"error\""));
            Assert.Equal(1, await host.WaitForMetricAsync(Consumed, v => v >= 1, ThingChangedLabel, "result=\"ok\""));
        }
        finally
        {
            await rabbit.DeleteEndpointAsync(host.ConsumerQueue);
        }
    }

    [RabbitMqFact]
    public async Task RedeliveredMessage_ChangesNothingTwice()
    {
        await using var database = TestDatabase.Sqlite();
        await using var host = await BusHost.StartAsync(database, "rabbitmq");
        await using var rabbit = await RabbitMqProbe.ConnectAsync();
        try
        {
            var run = Run();
            var message = await host.ChangeAsync(run, 1);
            await host.Deliveries.WaitAsync(run, s => s.Count >= 1);

            var bus = host.Services.GetRequiredService<IBus>();
            for (var i = 0; i < 2; i++)
            {
                await bus.Publish(message, Pipe.Execute<PublishContext>(c => c.MessageId = message.EventId));
            }

            var seen = await host.Deliveries.WaitAsync(run, s => s.Count >= 3);
            Assert.Equal([true, false, false], seen.Select(s => s.Applied));
            Assert.All(seen, s => Assert.Equal(message.EventId, s.MessageId));
            Assert.Equal(1, await host.CountAsync("SELECT applied FROM thing_effects WHERE run = @run AND number = 1", new { run }));
        }
        finally
        {
            await rabbit.DeleteEndpointAsync(host.ConsumerQueue);
        }
    }

    private static string Describe(IReadOnlyDictionary<string, string> headers) => string.Join("; ", headers.Select(h => $"{h.Key}={h.Value}"));

    private static string Run() => Guid.NewGuid().ToString("N")[..12];
}
