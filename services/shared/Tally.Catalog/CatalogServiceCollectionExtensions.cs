using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tally.Catalog;

/// <summary>Where the bundled catalog lives. Bound from "Tally:Catalog".</summary>
public sealed class CatalogOptions
{
    public const string Section = "Tally:Catalog";

    /// <summary>
    /// Folder holding sources.yaml, metrics/, figures/, relations.yaml and glossary.yaml. Empty: the first
    /// "catalog" folder found walking up from the content root (the repository's own catalog when run from a checkout).
    /// </summary>
    public string? Directory { get; set; }
}

/// <summary>Registers the catalog as a singleton, loaded and validated once at start.</summary>
public static class CatalogServiceCollectionExtensions
{
    public static IServiceCollection AddTallyCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CatalogOptions>().Bind(configuration.GetSection(CatalogOptions.Section));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CatalogOptions>>().Value;
            var contentRoot = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory;
            return CatalogLoader.Load(ResolveDirectory(options.Directory, contentRoot));
        });
        // Resolve at start so a half-valid catalog stops the host before it serves anything.
        services.AddHostedService<CatalogStartupCheck>();
        return services;
    }

    /// <summary>The configured folder, or the nearest "catalog" folder above <paramref name="startFrom"/>.</summary>
    public static string ResolveDirectory(string? configured, string startFrom)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var full = Path.GetFullPath(configured, startFrom);
            return System.IO.Directory.Exists(full)
                ? full
                : throw new InvalidOperationException($"Tally:Catalog:Directory '{full}' does not exist.");
        }

        foreach (var start in new[] { startFrom, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "catalog");
                if (File.Exists(Path.Combine(candidate, "sources.yaml")))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException(
            $"No catalog found above '{startFrom}'. Set Tally:Catalog:Directory (env Tally__Catalog__Directory) to the folder holding sources.yaml.");
    }

    private sealed class CatalogStartupCheck(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<Catalog>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
