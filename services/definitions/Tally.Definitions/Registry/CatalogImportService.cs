using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Definitions.Model;

namespace Tally.Definitions.Registry;

/// <summary>
/// At start, before the host serves: brings the registry up to date with the bundled catalog and loads the read
/// model. A catalog metric gets a new version only when its content differs from the latest version imported from
/// the catalog (and from the latest version overall), so restarts create no versions, editing the YAML does, and
/// an API change survives a restart with an unchanged catalog.
/// </summary>
public sealed partial class CatalogImportService(
    Tally.Catalog.Catalog catalog,
    DefinitionRegistry registry,
    IOptions<DefinitionsOptions> options,
    ILogger<CatalogImportService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.ImportCatalog)
        {
            await ImportAsync(cancellationToken);
        }

        await registry.ReloadAsync(force: true, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Imports the catalog; returns how many metric versions were written.</summary>
    public async Task<int> ImportAsync(CancellationToken cancellationToken)
    {
        var store = registry.Store;
        var relations = catalog.Relations;
        var definitions = catalog.Metrics.Select(m => CatalogMapper.ToProto(m, relations)).ToArray();
        string Note(int current) => current == 0 ? $"imported from catalog {catalog.Version}" : $"catalog {catalog.Version} changed the definition";
        int written;
        try
        {
            written = (await store.ImportAsync(definitions, CatalogMapper.CatalogAuthor, Note, cancellationToken)).Count;
        }
        catch (System.Data.Common.DbException e)
        {
            // Another replica imported the same catalog at the same moment: its versions are in now; import what remains.
            LogRetry(logger, e.Message);
            written = (await store.ImportAsync(definitions, CatalogMapper.CatalogAuthor, Note, cancellationToken)).Count;
        }
        var relationsChanged = await store.ReplaceRelationsAsync(relations.Select(CatalogMapper.ToProto).ToArray(), CatalogMapper.CatalogAuthor, cancellationToken);
        var glossaryChanged = await store.ReplaceGlossaryAsync(catalog.Glossary.SelectMany(CatalogMapper.ToProto).ToArray(), CatalogMapper.CatalogAuthor, cancellationToken);
        LogImported(logger, catalog.Version, written, relationsChanged, glossaryChanged);
        return written;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog import collided with another writer ({Error}); retrying once")]
    private static partial void LogRetry(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Catalog {CatalogHash} imported: {Versions} new metric versions, relations changed: {Relations}, glossary changed: {Glossary}")]
    private static partial void LogImported(ILogger logger, string catalogHash, int versions, bool relations, bool glossary);
}
