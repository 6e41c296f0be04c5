using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Tally.Messaging;

/// <summary>Registers MassTransit with the transport named in configuration.</summary>
public static class MessagingServiceCollectionExtensions
{
    /// <param name="configureConsumers">Each service adds its own consumers here.</param>
    public static IServiceCollection AddTallyBus(
        this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator>? configureConsumers = null)
    {
        var options = configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new BusOptions();
        services.AddOptions<BusOptions>().Bind(configuration.GetSection(BusOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(options.QueuePrefix, false));
            configureConsumers?.Invoke(bus);
            switch (options.Transport)
            {
                case "rabbitmq":
                    if (string.IsNullOrWhiteSpace(options.RabbitMqUri))
                    {
                        throw new InvalidOperationException("Tally:Bus:RabbitMqUri is required when Tally:Bus:Transport is 'rabbitmq'.");
                    }

                    bus.UsingRabbitMq((context, cfg) =>
                    {
                        cfg.Host(new Uri(options.RabbitMqUri));
                        cfg.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
                default:
                    bus.UsingInMemory((context, cfg) =>
                    {
                        cfg.UseMessageRetry(r => r.Intervals(50, 200, 1000));
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
            }
        });
        return services;
    }
}
