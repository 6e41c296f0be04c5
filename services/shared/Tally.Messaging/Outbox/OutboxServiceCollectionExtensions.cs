using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Storage;

namespace Tally.Messaging.Outbox;

/// <summary>Registers an owner's outbox: its tables, the keyed <see cref="TransactionalOutbox"/> and its relay.</summary>
public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// For the owner of a database registered with <c>AddServiceDatabase(owner, …)</c> (call this after it): applies the
    /// bus tables (<see cref="OutboxMigrations"/>) at start, registers a keyed singleton <see cref="TransactionalOutbox"/>
    /// (key = <paramref name="owner"/>; resolve it with <c>[FromKeyedServices("owner")]</c>) and the owner's
    /// <see cref="OutboxRelay"/>. Options: "Tally:Bus:Outbox" (<see cref="OutboxOptions"/>). The relay publishes on the
    /// host's bus, so the host must call AddTallyBus.
    /// </summary>
    public static IServiceCollection AddOutbox(this IServiceCollection services, string owner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        services.AddOptions<OutboxOptions>()
            .BindConfiguration(OutboxOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Problem() is null, "Tally:Bus:Outbox:RetryMaxDelay must not be shorter than Tally:Bus:Outbox:RetryMinDelay.")
            .ValidateOnStart();
        MessagingServiceCollectionExtensions.AddBusMetrics(services);
        services.TryAddSingleton(TimeProvider.System);
        if (services.Any(d => d.ServiceType == typeof(TransactionalOutbox) && Equals(d.ServiceKey, owner)))
        {
            return services; // registered already (two service libraries sharing one owner)
        }

        services.AddKeyedSingleton(owner, (sp, _) =>
            new TransactionalOutbox(sp.GetRequiredKeyedService<ServiceDatabase>(owner), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IHostedService>(sp => new OutboxMigrationHostedService(sp.GetRequiredKeyedService<ServiceDatabase>(owner)));
        services.AddSingleton<IHostedService>(sp => new OutboxRelay(
            sp.GetRequiredKeyedService<TransactionalOutbox>(owner),
            sp.GetService<IBus>() ?? throw new InvalidOperationException(
                $"The outbox of '{owner}' publishes on the bus, but the host registered none: call services.AddTallyBus(configuration)."),
            sp.GetRequiredService<IOptions<OutboxOptions>>(),
            sp.GetRequiredService<BusMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OutboxRelay>>(),
            sp.GetService<IHostApplicationLifetime>(),
            sp.GetService<IBusControl>()));
        return services;
    }

    /// <summary>Runs in StartAsync, before the relay starts and before any request can write to the outbox.</summary>
    private sealed class OutboxMigrationHostedService(ServiceDatabase database) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => OutboxMigrations.ApplyAsync(database, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
