using Dapper;
using Microsoft.Data.Sqlite;
using Tally.Contracts.Events;
using Tally.Definitions.Model;
using Tally.Definitions.Storage;
using Tally.Definitions.V1;
using Tally.Messaging.Outbox;
using Tally.Storage;

namespace Tally.Definitions.Tests;

/// <summary>A fact that needs PostgreSQL (TALLY_TEST_POSTGRES); skipped, saying so, when it is not configured.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES")))
        {
            Skip = "TALLY_TEST_POSTGRES is not set (run scripts/infra-up.sh postgres and source /tmp/tally-infra/env): the PostgreSQL variant did not run.";
        }
    }
}

/// <summary>The registry's storage on both dialects: migrations, idempotent catalog import, versions, optimistic concurrency.</summary>
public sealed class RegistryStoreTests
{
    [Fact]
    public async Task Sqlite_StoresVersionsRelationsAndGlossary()
    {
        var directory = DefinitionsHost.NewDataDirectory();
        try
        {
            await using var database = new ServiceDatabase(DefinitionsMigrations.Owner, new StorageOptions { Provider = "sqlite", DataDirectory = directory });
            await ExerciseAsync(database);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [PostgresFact]
    public async Task Postgres_StoresVersionsRelationsAndGlossary()
    {
        var options = new StorageOptions { Provider = "postgres", ConnectionString = Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES") };
        await using var database = new ServiceDatabase("deftest_" + Guid.NewGuid().ToString("N")[..12], options);
        try
        {
            await ExerciseAsync(database);
        }
        finally
        {
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{database.Owner}\" CASCADE");
        }
    }

    private static async Task ExerciseAsync(ServiceDatabase database)
    {
        Assert.Equal(DefinitionsMigrations.All.Count, await Migrator.ApplyAsync(database, DefinitionsMigrations.All));
        Assert.Equal(0, await Migrator.ApplyAsync(database, DefinitionsMigrations.All));
        Assert.Equal(1, await OutboxMigrations.ApplyAsync(database));
        using var store = new RegistryStore(database, TimeProvider.System, new TransactionalOutbox(database));
        var catalog = TestRegistry.Catalog;
        var definitions = catalog.Metrics.Select(m => CatalogMapper.ToProto(m, catalog.Relations)).ToArray();
        var relations = catalog.Relations.Select(CatalogMapper.ToProto).ToArray();
        var glossary = catalog.Glossary.SelectMany(CatalogMapper.ToProto).ToArray();

        Assert.Equal(definitions.Length, (await store.ImportAsync(definitions, "catalog-loader", _ => "import")).Count);
        Assert.Empty(await store.ImportAsync(definitions, "catalog-loader", _ => "import"));
        Assert.True(await store.ReplaceRelationsAsync(relations, "catalog-loader"));
        Assert.False(await store.ReplaceRelationsAsync(relations, "catalog-loader"));
        Assert.True(await store.ReplaceGlossaryAsync(glossary, "catalog-loader"));
        Assert.False(await store.ReplaceGlossaryAsync(glossary, "catalog-loader"));

        var loaded = await store.LoadAsync();
        Assert.Equal(definitions.Length + 2, loaded.CatalogVersion);
        Assert.Equal(definitions.Select(d => d.Id).Order(StringComparer.Ordinal), loaded.Metrics.Select(m => m.Definition.Id));
        Assert.All(loaded.Metrics, m => Assert.Equal((1, VersionOrigin.Catalog), (m.Definition.Version, m.Origin)));
        Assert.Equal(DefinitionHash.Compute(definitions.Single(d => d.Id == "ice-removals")),
            loaded.Metrics.Single(m => m.Definition.Id == "ice-removals").ContentHash);
        Assert.Equal(relations.Length, loaded.Relations.Count);
        Assert.Contains(loaded.Relations, r => r.FromMetricId == "ice-national-docket-convicted" && r.ToMetricId == "ice-releases-convicted" &&
                                               r.Type == RelationType.NotInterchangeableWith && r.Differences.Contains(Common.V1.Caveat.Types.Code.StockNotFlow));
        Assert.Equal(glossary.Length, loaded.Glossary.Count);
        Assert.Contains(loaded.Glossary, g => g.Term == "deported" && g.AlternativeConcepts.SequenceEqual(["return"]));

        var edited = definitions.Single(d => d.Id == "ice-removals").Clone();
        edited.Description += " Edited.";
        var (stored, catalogVersion) = await store.AppendVersionAsync(edited, VersionOrigin.Api, "editor", "why", expectedCurrent: 1);
        Assert.Equal((2, "editor", "why", loaded.CatalogVersion + 1), (stored.Definition.Version, stored.Definition.UpdatedBy, stored.Definition.ChangeNote, catalogVersion));
        var conflict = await Assert.ThrowsAsync<VersionConflictException>(() => store.AppendVersionAsync(edited, VersionOrigin.Api, "other", "", expectedCurrent: 1));
        Assert.Equal(2, conflict.Actual);
        Assert.Equal([1, 2], await store.VersionNumbersAsync("ice-removals"));
        Assert.DoesNotContain("Edited.", (await store.GetVersionAsync("ice-removals", 1))!.Definition.Description, StringComparison.Ordinal);

        // An unchanged catalog leaves the API edit alone; a changed catalog definition becomes the next version.
        Assert.Empty(await store.ImportAsync(definitions, "catalog-loader", _ => "import"));
        var changed = definitions.Select(d => d.Id == "dhs-returns" ? WithAlias(d, "sent back") : d).ToArray();
        Assert.Equal(["dhs-returns"], await store.ImportAsync(changed, "catalog-loader", v => $"after {v}"));
        var returns = (await store.LoadAsync()).Metrics.Single(m => m.Definition.Id == "dhs-returns");
        Assert.Equal((2, "after 1"), (returns.Definition.Version, returns.Definition.ChangeNote));
        Assert.Equal(catalogVersion + 1, await store.CatalogVersionAsync());

        // A version written through the API and its change event are committed together, or neither is.
        var again = edited.Clone();
        again.Description += " Again.";
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendVersionAsync(again, VersionOrigin.Api, "editor", "", expectedCurrent: 2,
            changeEvent: (_, _) => throw new InvalidOperationException("failure after the version insert, before the event and the commit")));
        Assert.Equal([1, 2], await store.VersionNumbersAsync("ice-removals"));
        Assert.Equal(0, await OutboxRowsAsync(database));
        var (third, thirdCatalog) = await store.AppendVersionAsync(again, VersionOrigin.Api, "editor", "", expectedCurrent: 2,
            changeEvent: (version, catalog) => new MetricDefinitionChanged
            {
                EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MetricId = version.Definition.Id, Version = version.Definition.Version,
                PreviousVersion = 2, CatalogVersion = catalog, ChangedBy = "editor",
            });
        Assert.Equal(3, third.Definition.Version);
        await using var connection = await database.OpenAsync();
        var body = await connection.QuerySingleAsync<string>("SELECT body FROM bus_outbox WHERE message_type LIKE 'Tally.Contracts.Events.MetricDefinitionChanged,%'");
        var published = System.Text.Json.JsonSerializer.Deserialize<MetricDefinitionChanged>(body)!;
        Assert.Equal(("ice-removals", 3, thirdCatalog), (published.MetricId, published.Version, published.CatalogVersion));
    }

    private static async Task<long> OutboxRowsAsync(ServiceDatabase database)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM bus_outbox");
    }

    private static MetricDefinition WithAlias(MetricDefinition definition, string alias)
    {
        var copy = definition.Clone();
        copy.Aliases.Add(alias);
        return copy;
    }
}
