using MassTransit;
using Tally.Contracts.Events;
using Tally.Security;

namespace Tally.Hosting;

/// <summary>
/// A key was revoked (the definitions service publishes ApiKeyRevoked with the revocation): this process stops trusting
/// its cached check of the key at once. Runs on an endpoint of each process's own, so every replica hears it; without
/// the event a revoked key would still pass here until Tally:Auth:KeyCacheDuration ran out.
/// </summary>
public sealed class ApiKeyRevokedConsumer(IApiKeyVerifier verifier) : IConsumer<ApiKeyRevoked>
{
    /// <summary>The per-instance endpoint name ("&lt;QueuePrefix&gt;-keys-&lt;instance&gt;").</summary>
    public const string Endpoint = "keys";

    public Task Consume(ConsumeContext<ApiKeyRevoked> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        verifier.Forget(context.Message.KeyId);
        return Task.CompletedTask;
    }
}
