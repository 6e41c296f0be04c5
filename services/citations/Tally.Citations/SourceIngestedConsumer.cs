using MassTransit;
using Tally.Citations.Checking;
using Tally.Contracts.Events;

namespace Tally.Citations;

/// <summary>
/// When ingestion stores (or re-sees) a snapshot, verifies the source's pending catalog citations against it and
/// publishes CitationVerified for each check. Idempotent: a redelivered event finds nothing left to check.
/// </summary>
internal sealed class SourceIngestedConsumer(CitationVerifier verifier) : IConsumer<SourceIngested>
{
    public async Task Consume(ConsumeContext<SourceIngested> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var events = await verifier.VerifyPendingAsync(message.SourceId, message.SnapshotId, context.CancellationToken);
        foreach (var verified in events)
        {
            await context.Publish(verified, context.CancellationToken);
        }
    }
}
