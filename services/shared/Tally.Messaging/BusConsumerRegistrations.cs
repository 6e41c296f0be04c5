using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Tally.Messaging;

/// <summary>
/// Consumers each service asks for, collected while services register themselves, so that the host can
/// configure the bus once (MassTransit allows one AddMassTransit per container).
/// </summary>
public sealed class BusConsumerRegistrations
{
    private readonly List<Action<IBusRegistrationConfigurator, BusOptions>> _registrations = [];

    /// <summary>
    /// This host's identity on the bus, naming its per-instance (temporary) endpoints: random lower-case hex, one per
    /// host (so two hosts in one process, as in tests, are two instances too), unique across pods and restarts.
    /// </summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N")[..12];

    internal void Add(Action<IBusRegistrationConfigurator> registration) => _registrations.Add((bus, _) => registration(bus));

    internal void Add(Action<IBusRegistrationConfigurator, BusOptions> registration) => _registrations.Add(registration);

    internal void ApplyTo(IBusRegistrationConfigurator bus, BusOptions options)
    {
        foreach (var registration in _registrations)
        {
            registration(bus, options);
        }
    }

    internal static BusConsumerRegistrations From(IServiceCollection services)
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(BusConsumerRegistrations))?.ImplementationInstance;
        if (existing is BusConsumerRegistrations registrations)
        {
            return registrations;
        }

        registrations = new BusConsumerRegistrations();
        services.AddSingleton(registrations);
        return registrations;
    }
}
