using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tally.Storage;

/// <summary>Registers a service's own database and applies its migrations before the host starts serving.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds a keyed singleton <see cref="ServiceDatabase"/> (key = <paramref name="owner"/>) and a hosted
    /// service that migrates it at start. Resolve it with <c>[FromKeyedServices("owner")]</c>.
    /// <paramref name="sqlitePageSize"/> applies to a SQLite file created from now on (see <see cref="ServiceDatabase"/>).
    /// </summary>
    public static IServiceCollection AddServiceDatabase(
        this IServiceCollection services, string owner, IReadOnlyList<Migration> migrations, int sqlitePageSize = ServiceDatabase.DefaultSqlitePageSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentNullException.ThrowIfNull(migrations);
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Provider != "postgres" || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Tally:Storage:ConnectionString is required when Tally:Storage:Provider is 'postgres'.")
            .ValidateOnStart();
        services.TryAddKeyedSingleton(owner, (sp, _) =>
            new ServiceDatabase(owner, sp.GetRequiredService<IOptions<StorageOptions>>().Value, sqlitePageSize));
        services.AddSingleton<IHostedService>(sp =>
            new MigrationHostedService(sp.GetRequiredKeyedService<ServiceDatabase>(owner), migrations));
        return services;
    }

    /// <summary>Runs in StartAsync, so no request is served before the schema is current.</summary>
    private sealed class MigrationHostedService(ServiceDatabase database, IReadOnlyList<Migration> migrations) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Migrator.ApplyAsync(database, migrations, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
