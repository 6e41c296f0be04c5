using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tally.Catalog;
using Tally.Definitions.Access;
using Tally.Definitions.Grpc;
using Tally.Definitions.Registry;
using Tally.Definitions.Storage;
using Tally.Grpc;
using Tally.Messaging;
using Tally.Messaging.Outbox;
using Tally.Security;
using Tally.Storage;

namespace Tally.Definitions;

/// <summary>Wiring of the metric-definition service into a host: Program.cs calls these two.</summary>
public static class DefinitionsServiceExtensions
{
    /// <summary>
    /// Options (Tally:Definitions), the catalog (Tally:Catalog), the service's own database (owner "definitions",
    /// Tally:Storage), the registry and its start-up catalog import, the refresh loop and the readiness check.
    /// Events go through the service's outbox (same database); its relay needs the host's bus (AddTallyBus).
    /// </summary>
    public static WebApplicationBuilder AddDefinitionsService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DefinitionsOptions>().BindConfiguration(DefinitionsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddTallyGrpc();
        services.AddTallyCatalog(builder.Configuration);
        // Registered before the import so that migrations run first (hosted services start in order).
        services.AddServiceDatabase(DefinitionsMigrations.Owner, DefinitionsMigrations.All);
        services.AddOutbox(DefinitionsMigrations.Owner); // MetricDefinitionChanged, written with the version it announces
        services.TryAddSingleton<RegistryStore>();
        services.TryAddSingleton<DefinitionRegistry>();
        services.AddHostedService<CatalogImportService>();
        services.AddHostedService<RegistryRefreshService>();
        services.AddHealthChecks().AddCheck<RegistryHealthCheck>("definitions-registry");

        // Keys and the audit trail (tally.access.v1): this service checks keys in its own database; the other services ask it.
        services.AddTallyAuth();
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<BootstrapToken>();
        services.AddHostedService(sp => sp.GetRequiredService<BootstrapToken>());
        services.TryAddSingleton<LocalApiKeyVerifier>();
        services.Replace(ServiceDescriptor.Singleton<IApiKeyVerifier>(sp => sp.GetRequiredService<LocalApiKeyVerifier>()));
        services.AddBusConsumer<AuditConsumer>(); // changes announced by ingestion and citations → the audit trail
        return builder;
    }

    /// <summary>Maps tally.definitions.v1.MetricDefinitionService and tally.access.v1.AccessService on the gRPC port.</summary>
    public static WebApplication MapDefinitionsService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<MetricDefinitionGrpcService>();
        app.MapGrpcService<AccessGrpcService>();
        return app;
    }
}
