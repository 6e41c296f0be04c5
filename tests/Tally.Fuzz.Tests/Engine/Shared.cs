using Tally.Catalog;
using Tally.Definitions.Model;
using Tally.Definitions.Registry;
using Tally.Definitions.Storage;

namespace Tally.Fuzz.Tests.Engine;

/// <summary>The bundled catalog and the definitions registry built from it, loaded once per test run.</summary>
internal static class Shared
{
    /// <summary>A fixed "today", so relative periods read the same in every run.</summary>
    public static readonly DateOnly Today = new(2025, 11, 1);

    private static readonly Lazy<Catalog.Catalog> LazyCatalog = new(() => CatalogLoader.Load(RepoPaths.Catalog));

    private static readonly Lazy<RegistrySnapshot> LazyRegistry = new(() =>
    {
        var catalog = LazyCatalog.Value;
        var metrics = catalog.Metrics.Select(m =>
        {
            var definition = CatalogMapper.ToProto(m, catalog.Relations);
            definition.Version = 1;
            return new StoredMetric(definition, DefinitionHash.Compute(definition), VersionOrigin.Catalog);
        }).ToArray();
        return RegistrySnapshot.Build(new RegistryData(1, metrics, catalog.Relations.Select(CatalogMapper.ToProto).ToArray(),
            catalog.Glossary.SelectMany(CatalogMapper.ToProto).ToArray()));
    });

    public static Catalog.Catalog Catalog => LazyCatalog.Value;

    public static RegistrySnapshot Registry => LazyRegistry.Value;
}
