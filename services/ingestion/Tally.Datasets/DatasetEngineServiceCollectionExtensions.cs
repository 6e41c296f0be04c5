using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tally.Catalog;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Datasets;

/// <summary>Wiring for a host (the ingestion service calls this from AddIngestionService).</summary>
public static class DatasetEngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine's own database (owner "datasets": datasets.db, or schema "datasets" in PostgreSQL; migrated
    /// at start), its options ("Tally:Datasets", validated at start) and a singleton <see cref="DatasetEngine"/>.
    /// Without Tally:Datasets:SpecDirectory the specs are read from the catalog's "datasets" folder.
    /// </summary>
    public static IServiceCollection AddDatasetEngine(this IServiceCollection services)
    {
        services.AddOptions<DatasetEngineOptions>()
            .BindConfiguration(DatasetEngineOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddServiceDatabase(DatasetMigrations.DefaultOwner, DatasetMigrations.All, DatasetMigrations.SqlitePageSize);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatasetEngineOptions>>().Value;
            if (options.SpecDirectory is null)
            {
                var configured = sp.GetService<IConfiguration>()?[$"{CatalogOptions.Section}:Directory"];
                var root = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory;
                try
                {
                    var dir = Path.Combine(CatalogServiceCollectionExtensions.ResolveDirectory(configured, root), "datasets");
                    options.SpecDirectory = Directory.Exists(dir) ? dir : null;
                }
                catch (InvalidOperationException)
                {
                    // no catalog: uploads bring their own specs (or have them inferred)
                }
            }

            return new DatasetEngine(sp.GetRequiredKeyedService<ServiceDatabase>(DatasetMigrations.DefaultOwner), options, sp.GetService<TimeProvider>());
        });
        return services;
    }
}
