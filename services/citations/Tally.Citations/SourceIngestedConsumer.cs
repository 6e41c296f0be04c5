using MassTransit;
using Tally.Citations.Checking;
using Tally.Contracts.Events;

namespace Tally.Citations;

/// <summary>
/// When ingestion stores (or re-sees) a snapshot, verifies the source's pending catalog citations against it; each
/// check is committed with its CitationVerified (the service's outbox publishes them). Idempotent by its effect: a
/// (citation, snapshot) pair is checked once, so a redelivered event finds nothing left to check and writes nothing.
/// </summary>
internal sealed class SourceIngestedConsumer(CitationVerifier verifier) : IConsumer<SourceIngested>
{
    public async Task Consume(ConsumeContext<SourceIngested> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        await verifier.VerifyPendingAsync(message.SourceId, message.SnapshotId, context.CancellationToken);
    }
}
