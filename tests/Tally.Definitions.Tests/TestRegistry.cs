using Tally.Catalog;
using Tally.Definitions.Model;
using Tally.Definitions.Registry;
using Tally.Definitions.Resolution;
using Tally.Definitions.Storage;
using Tally.Definitions.V1;

namespace Tally.Definitions.Tests;

/// <summary>The bundled catalog (the repository's catalog/) as an in-memory registry, without storage.</summary>
internal static class TestRegistry
{
    /// <summary>A fixed "today", so relative periods read the same in every run.</summary>
    public static readonly DateOnly Today = new(2025, 11, 1);

    public static string CatalogDirectory { get; } = CatalogServiceCollectionExtensions.ResolveDirectory(null, AppContext.BaseDirectory);

    public static Tally.Catalog.Catalog Catalog { get; } = CatalogLoader.Load(CatalogDirectory);

    public static RegistrySnapshot Snapshot { get; } = Build(Catalog);

    public static RegistrySnapshot Build(Tally.Catalog.Catalog catalog)
    {
        var metrics = catalog.Metrics.Select(m =>
        {
            var definition = CatalogMapper.ToProto(m, catalog.Relations);
            definition.Version = 1;
            return new StoredMetric(definition, DefinitionHash.Compute(definition), VersionOrigin.Catalog);
        }).ToArray();
        return RegistrySnapshot.Build(new RegistryData(1, metrics, catalog.Relations.Select(CatalogMapper.ToProto).ToArray(),
            catalog.Glossary.SelectMany(CatalogMapper.ToProto).ToArray()));
    }

    public static (ParsedQuestion Parsed, IReadOnlyList<Candidate> Candidates) Resolve(string question, int max = 10) =>
        QuestionResolver.Resolve(Snapshot.Resolver, question, max, Today);
}
