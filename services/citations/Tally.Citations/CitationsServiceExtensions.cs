using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tally.Catalog;
using Tally.Citations.Sources;
using Tally.Citations.Storage;
using Tally.Citations.Checking;
using Tally.Grpc;
using Tally.Hosting;
using Tally.Ingestion.V1;
using Tally.Messaging;
using Tally.Messaging.Outbox;
using Tally.Storage;
using Tally.Security;

namespace Tally.Citations;

/// <summary>Wiring of the citation service: <c>builder.AddCitationsService()</c> then <c>app.MapCitationsService()</c>.</summary>
public static class CitationsServiceExtensions
{
    /// <summary>The owner name of the citation service's database (SQLite file / PostgreSQL schema).</summary>
    public const string Owner = "citations";

    /// <summary>
    /// Storage (owner "citations") with its outbox, the catalog (sources and figure citations loaded at start), the ingestion client
    /// (snapshot text), and the SourceIngested consumer. Call before the host's AddTallyBus, which picks up the consumer.
    /// </summary>
    public static WebApplicationBuilder AddCitationsService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddTallyCatalog(builder.Configuration);
        services.AddTallyAuth(); // CallerAccessor: who made a change, for the events the audit trail records
        services.AddServiceDatabase(Owner, CitationsMigrations.All);
        services.AddOutbox(Owner); // CitationVerified, written with the check it announces
        services.AddServiceClient<IngestionService.IngestionServiceClient>(TallyService.Ingestion);
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => new SourceStore(sp.GetRequiredKeyedService<ServiceDatabase>(Owner)));
        services.AddSingleton(sp => new CitationStore(sp.GetRequiredKeyedService<ServiceDatabase>(Owner), sp.GetRequiredKeyedService<TransactionalOutbox>(Owner)));
        services.AddSingleton<SourceRegistry>();
        services.AddSingleton<CitationVerifier>();
        services.AddSingleton<References.OriginalSources>();
        services.AddHostedService<CatalogCitationLoader>(); // after AddServiceDatabase: runs once the schema is current
        services.AddBusConsumer<SourceIngestedConsumer>();
        return builder;
    }

    /// <summary>Maps tally.citations.v1.CitationService on the gRPC port.</summary>
    public static WebApplication MapCitationsService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<CitationGrpcService>();
        return app;
    }
}
