using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using Tally.Storage;

namespace Tally.Messaging.Outbox;

/// <summary>
/// One owner's outbox: events are written to <c>bus_outbox</c> in the same database transaction as the state change
/// they announce, and the owner's <see cref="OutboxRelay"/> publishes them once committed. So a committed change always
/// has its event, and a rolled-back change has none. Resolve it with <c>[FromKeyedServices("owner")]</c>.
/// </summary>
public sealed class TransactionalOutbox
{
    /// <summary>How an event is stored: System.Text.Json with its property names as declared.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    private static readonly ConcurrentDictionary<Type, Func<object, Guid>?> EventIds = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TimeProvider _time;

    public TransactionalOutbox(ServiceDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The database (and owner) whose <c>bus_outbox</c> this is.</summary>
    public ServiceDatabase Database { get; }

    public string Owner => Database.Owner;

    /// <summary>Signalled after a commit that added events; the relay waits on it (and on its poll interval).</summary>
    internal ChannelReader<bool> Wakeups => _wake.Reader;

    /// <summary>
    /// Adds <paramref name="message"/> to the outbox inside <paramref name="transaction"/>, which must be a transaction
    /// on a connection of <see cref="Database"/>. Nothing is published unless that transaction commits; commit it with
    /// <see cref="CommitAsync"/> so the relay wakes at once. The message id is the event's <c>EventId</c> when it has one.
    /// </summary>
    public async Task AddAsync<T>(DbTransaction transaction, T message, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(message);
        var connection = transaction.Connection
            ?? throw new InvalidOperationException("The transaction has no connection (was it committed or rolled back already?).");
        var type = message.GetType();
        if (string.IsNullOrEmpty(type.Namespace))
        {
            throw new ArgumentException($"Message type {type.Name} must be declared in a namespace (MassTransit names messages by namespace and type).", nameof(message));
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO bus_outbox (message_id, message_type, body, created_at) VALUES (@MessageId, @MessageType, @Body, @CreatedAt)",
            new
            {
                MessageId = MessageIdOf(message).ToString("D"),
                MessageType = TypeName(type),
                Body = JsonSerializer.Serialize(message, type, Json),
                CreatedAt = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Commits <paramref name="transaction"/> and wakes the relay.</summary>
    public async Task CommitAsync(DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await transaction.CommitAsync(cancellationToken);
        Wake();
    }

    /// <summary>
    /// Writes <paramref name="message"/> to the outbox in a transaction of its own, for an event that announces no state
    /// change of this database (a re-announcement, or a change committed elsewhere), and wakes the relay.
    /// </summary>
    public async Task EnqueueAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : class
    {
        await using var connection = await Database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await AddAsync(transaction, message, cancellationToken);
        await CommitAsync(transaction, cancellationToken);
    }

    /// <summary>Makes the relay look at the table now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>"Namespace.Type, Assembly": what the relay resolves the stored type from.</summary>
    internal static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    /// <summary>The event's own id (an <c>EventId</c> property of type Guid), so every re-publication carries the same message id.</summary>
    internal static Guid MessageIdOf(object message)
    {
        var read = EventIds.GetOrAdd(message.GetType(), static type =>
            type.GetProperty("EventId", BindingFlags.Public | BindingFlags.Instance) is { PropertyType: var t } property && t == typeof(Guid)
                ? m => (Guid)property.GetValue(m)!
                : null);
        var id = read?.Invoke(message) ?? Guid.Empty;
        return id == Guid.Empty ? Guid.NewGuid() : id;
    }
}
