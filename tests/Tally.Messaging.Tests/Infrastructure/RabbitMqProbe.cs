using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Tally.Messaging.Tests.Infrastructure;

/// <summary>Direct AMQP access to the test broker (RabbitMQ.Client): raw publishes, reading a queue, deleting a test's queues.</summary>
internal sealed class RabbitMqProbe : IAsyncDisposable
{
    private readonly IConnection _connection;

    private RabbitMqProbe(IConnection connection) => _connection = connection;

    public static async Task<RabbitMqProbe> ConnectAsync() =>
        new(await new ConnectionFactory { Uri = new Uri(TestEnvironment.Amqp!) }.CreateConnectionAsync());

    /// <summary>Sends bytes straight to a queue (default exchange), as a broken or foreign publisher would.</summary>
    public async Task SendRawAsync(string queue, byte[] body, string contentType)
    {
        await using var channel = await _connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = contentType, MessageId = Guid.NewGuid().ToString("D"), Persistent = true };
        await channel.BasicPublishAsync("", queue, mandatory: true, properties, body);
    }

    /// <summary>Takes one message from <paramref name="queue"/>, waiting (bounded) until one is there; its headers as text.</summary>
    public async Task<(string Body, IReadOnlyDictionary<string, string> Headers)> TakeAsync(string queue, TimeSpan bound)
    {
        var until = DateTime.UtcNow + bound;
        while (true)
        {
            try
            {
                await using var channel = await _connection.CreateChannelAsync();
                if (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
                {
                    var headers = (result.BasicProperties.Headers ?? new Dictionary<string, object?>())
                        .ToDictionary(h => h.Key, h => h.Value is byte[] b ? Encoding.UTF8.GetString(b) : h.Value?.ToString() ?? "", StringComparer.Ordinal);
                    return (Encoding.UTF8.GetString(result.Body.Span), headers);
                }
            }
            catch (OperationInterruptedException)
            {
                // the queue does not exist yet (MassTransit creates the error queue on the first fault)
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"No message arrived in queue '{queue}' within {bound.TotalSeconds:0} s.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Deletes the queues and exchanges a test's endpoint left behind (the broker is shared by runs).</summary>
    public async Task DeleteEndpointAsync(string queue)
    {
        foreach (var name in new[] { queue, queue + "_error", queue + "_skipped" })
        {
            try
            {
                await using var channel = await _connection.CreateChannelAsync();
                await channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false);
                await channel.ExchangeDeleteAsync(name, ifUnused: false);
            }
            catch (OperationInterruptedException)
            {
                // not created
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.CloseAsync();
        _connection.Dispose();
    }
}
