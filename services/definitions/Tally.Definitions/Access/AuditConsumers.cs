using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Tally.Contracts.Events;
using Tally.Definitions.Storage;
using Tally.Storage;

namespace Tally.Definitions.Access;

/// <summary>
/// Appends the changes other services announce on the bus to the audit trail. Idempotent by effect: the row is keyed
/// by the event id, so a redelivery inserts nothing. A source re-seen with identical bytes changed nothing and is not
/// recorded.
/// </summary>
internal sealed class AuditConsumer([FromKeyedServices(DefinitionsMigrations.Owner)] ServiceDatabase database)
    : IConsumer<SourceIngested>, IConsumer<DatasetLoaded>, IConsumer<CitationVerified>
{
    public Task Consume(ConsumeContext<SourceIngested> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Message.IsNewSnapshot ? AppendAsync(AuditRecords.From(context.Message), context.CancellationToken) : Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<DatasetLoaded> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return AppendAsync(AuditRecords.From(context.Message), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<CitationVerified> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return AppendAsync(AuditRecords.From(context.Message), context.CancellationToken);
    }

    private async Task AppendAsync(AuditRecord record, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await AuditTrail.AppendAsync(connection, null, record, ct);
    }
}
