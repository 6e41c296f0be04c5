using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tally.Catalog;
using Tally.Datasets;
using Tally.Datasets.Storage;
using Tally.Citations.V1;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Grpc.Server;
using Tally.Hosting;
using Tally.Ingestion.Datasets;
using Tally.Ingestion.Documents;
using Tally.Ingestion.Figures;
using Tally.Ingestion.Storage;
using Tally.Messaging.Outbox;
using Tally.Storage;
using Tally.Security;

namespace Tally.Ingestion;

/// <summary>Wiring of the ingestion service: <c>builder.AddIngestionService()</c> then <c>app.MapIngestionService()</c>.</summary>
public static class IngestionServiceExtensions
{
    /// <summary>The owner name of the ingestion service's database (SQLite file / PostgreSQL schema).</summary>
    public const string Owner = "ingestion";

    /// <summary>
    /// Options (Tally:Ingestion), storage (owner "ingestion"), the catalog, clients of the citation service (source
    /// registry) and the metric-definition service (linking), the dataset engine (owner "datasets"), an outbox in each of
    /// the two databases, and the catalog's published figures loaded at start.
    /// Raises the gRPC server's receive limit to fit the largest document accepted. The host adds the bus (AddTallyBus).
    /// </summary>
    public static WebApplicationBuilder AddIngestionService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<GrpcServerOptions>, ReceiveLimitFitsDocuments>();

        services.AddTallyCatalog(builder.Configuration);
        services.AddTallyAuth(); // CallerAccessor: who made a change, for the events the audit trail records
        services.AddServiceDatabase(Owner, IngestionMigrations.All);
        services.AddOutbox(Owner); // SourceIngested and FiguresExtracted, written with the snapshot they announce
        services.AddServiceClient<CitationService.CitationServiceClient>(TallyService.Citations);
        services.AddServiceClient<MetricDefinitionService.MetricDefinitionServiceClient>(TallyService.Definitions);
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => new SnapshotStore(sp.GetRequiredKeyedService<ServiceDatabase>(Owner)));
        services.AddSingleton(sp => new FigureStore(sp.GetRequiredKeyedService<ServiceDatabase>(Owner)));
        services.AddSingleton<MetricDirectory>();
        services.AddSingleton<DocumentIngestor>();
        services.AddDatasetEngine(); // owner "datasets"
        services.AddOutbox(DatasetMigrations.DefaultOwner); // DatasetLoaded
        services.AddSingleton<DatasetSnapshots>();
        services.AddSingleton<MetricComputer>();
        services.AddHostedService<CatalogFigureLoader>(); // after AddServiceDatabase: runs once the schema is current
        return builder;
    }

    /// <summary>Maps tally.ingestion.v1.IngestionService on the gRPC port.</summary>
    public static WebApplication MapIngestionService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<IngestionGrpcService>();
        return app;
    }

    /// <summary>Makes the gRPC receive limit at least the configured document limit plus 1 MiB of message overhead.</summary>
    private sealed class ReceiveLimitFitsDocuments(IOptions<IngestionOptions> ingestion) : IPostConfigureOptions<GrpcServerOptions>
    {
        public void PostConfigure(string? name, GrpcServerOptions options)
        {
            var needed = (int)Math.Min(int.MaxValue, ingestion.Value.MaxDocumentBytes + (1024 * 1024));
            if (options.MaxReceiveMessageSize is { } limit && limit < needed)
            {
                options.MaxReceiveMessageSize = needed;
            }
        }
    }
}
