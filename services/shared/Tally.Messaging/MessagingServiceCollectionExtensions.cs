using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tally.Messaging.Consuming;

namespace Tally.Messaging;

/// <summary>Registers MassTransit with the transport named in configuration.</summary>
public static class MessagingServiceCollectionExtensions
{
    /// <summary>Retries of a failed consume on RabbitMQ (exponential, 200 ms to 10 s) before the message goes to the error queue.</summary>
    public const int RabbitMqRetries = 5;

    /// <summary>Retries of a failed consume on the in-memory bus (50 ms, 200 ms, 1 s).</summary>
    public const int InMemoryRetries = 3;

    /// <summary>Asks for a consumer on the bus; any service library may call it before the host calls <see cref="AddTallyBus"/>.</summary>
    public static IServiceCollection AddBusConsumer<TConsumer>(this IServiceCollection services)
        where TConsumer : class, IConsumer
    {
        BusConsumerRegistrations.From(services).Add(bus => bus.AddConsumer<TConsumer>());
        return services;
    }

    /// <summary>
    /// Asks for a consumer on an endpoint of this process's own, "&lt;QueuePrefix&gt;-&lt;endpoint&gt;-&lt;instance id&gt;": a
    /// temporary queue (RabbitMQ: non-durable, auto-delete, gone when the process stops). Every running instance then
    /// receives every event (fan-out), where consumers added with <see cref="AddBusConsumer{TConsumer}"/> share one
    /// durable queue and each event reaches one instance. For state each process holds (caches); consumers given the
    /// same <paramref name="endpoint"/> share that instance queue.
    /// </summary>
    public static IServiceCollection AddPerInstanceBusConsumer<TConsumer>(this IServiceCollection services, string endpoint)
        where TConsumer : class, IConsumer
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        var registrations = BusConsumerRegistrations.From(services);
        registrations.Add((bus, options) => bus.AddConsumer<TConsumer>().Endpoint(e =>
        {
            e.Name = $"{options.QueuePrefix}-{endpoint}";
            e.InstanceId = registrations.InstanceId;
            e.Temporary = true;
        }));
        return services;
    }

    /// <summary>
    /// Configures MassTransit once, with every consumer registered through <see cref="AddBusConsumer{TConsumer}"/>: retry
    /// with backoff, then the endpoint's <c>_error</c> queue (the reason in the message headers); every consume attempt
    /// counted in <c>tally_bus_consumed_total</c>. Publishing goes through each owner's outbox (AddOutbox).
    /// </summary>
    /// <param name="configureConsumers">Extra registrations (tests).</param>
    public static IServiceCollection AddTallyBus(
        this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator>? configureConsumers = null)
    {
        var options = configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new BusOptions();
        services.AddOptions<BusOptions>().Bind(configuration.GetSection(BusOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        AddBusMetrics(services);
        services.TryAddSingleton(new ConsumeRetryLimit(options.Transport == "rabbitmq" ? RabbitMqRetries : InMemoryRetries));

        services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(options.QueuePrefix, false));
            BusConsumerRegistrations.From(services).ApplyTo(bus, options);
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
                        cfg.UseMessageRetry(r => r.Exponential(RabbitMqRetries, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
                        ObserveConsumers(context, cfg);
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
                default:
                    bus.UsingInMemory((context, cfg) =>
                    {
                        cfg.UseMessageRetry(r => r.Intervals(50, 200, 1000));
                        ObserveConsumers(context, cfg);
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
            }
        });
        return services;
    }

    /// <summary>The bus metrics singleton (idempotent).</summary>
    internal static void AddBusMetrics(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<BusMetrics>();
    }

    /// <summary>After the retry filter, so that every attempt is counted; unreadable bodies are counted on receive.</summary>
    private static void ObserveConsumers(IBusRegistrationContext context, IBusFactoryConfigurator cfg)
    {
        cfg.UseConsumeFilter(typeof(ConsumeMetricsFilter<>), context);
        cfg.ConnectReceiveObserver(new UnreadableMessageMetrics(context.GetRequiredService<BusMetrics>()));
    }
}
