using System.Data.Common;
using Dapper;
using MassTransit;

namespace Tally.Messaging.Consuming;

/// <summary>
/// Message ids a consumer has handled, kept in the consuming service's own database (<c>bus_consumed</c>, created with
/// the outbox tables). A consumer whose effect is not idempotent by itself records the id in the same transaction as
/// the effect: a redelivered message then finds its id and changes nothing twice.
/// </summary>
public static class ConsumedMessages
{
    /// <summary>
    /// Records that <paramref name="consumer"/> handled <paramref name="messageId"/>, inside <paramref name="transaction"/>.
    /// False when it was recorded before (a redelivery): skip the effect and commit nothing new.
    /// </summary>
    public static async Task<bool> TryRecordAsync(DbTransaction transaction, string consumer, Guid messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        var connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has no connection (was it committed or rolled back already?).");
        return await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO bus_consumed (consumer, message_id, consumed_at) VALUES (@consumer, @id, @at) ON CONFLICT (consumer, message_id) DO NOTHING",
            new { consumer, id = messageId.ToString("D"), at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
            transaction, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The id to record for a consumed message: MassTransit's message id (the outbox sets it to the event's EventId).</summary>
    public static Guid IdOf(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.MessageId ?? throw new InvalidOperationException("The message has no MessageId; it cannot be de-duplicated.");
    }
}
