using Microsoft.Data.Sqlite;
using Tally.Definitions.V1;

namespace Tally.Definitions.Tests;

/// <summary>Restarts over the same SQLite file: the catalog import is idempotent, YAML edits make versions, API edits survive.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _data = DefinitionsHost.NewDataDirectory();
    private readonly string _catalog = CopyCatalog();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_catalog, recursive: true);
    }

    [Fact]
    public async Task RestartWithTheSameCatalog_CreatesNoVersions()
    {
        int catalogVersion;
        await using (var first = await DefinitionsHost.StartAsync(_data, _catalog))
        {
            catalogVersion = (await first.Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" })).CatalogVersion;
        }

        await using var second = await DefinitionsHost.StartAsync(_data, _catalog);
        var again = await second.Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" });

        Assert.Equal(catalogVersion, again.CatalogVersion);
        Assert.Equal(1, again.Metric.Version);
    }

    [Fact]
    public async Task RestartAfterEditingTheYaml_CreatesAVersionForThatMetricOnly()
    {
        int before;
        await using (var first = await DefinitionsHost.StartAsync(_data, _catalog))
        {
            before = (await first.Client.GetMetricAsync(new GetMetricRequest { MetricId = "dhs-returns" })).CatalogVersion;
        }

        var file = Path.Combine(_catalog, "metrics", "removals.yaml");
        var yaml = await File.ReadAllTextAsync(file);
        await File.WriteAllTextAsync(file, yaml.Replace("      - voluntary departures\n", "      - voluntary departures\n      - people sent back without an order\n", StringComparison.Ordinal));

        await using var second = await DefinitionsHost.StartAsync(_data, _catalog);
        var returns = await second.Client.GetMetricAsync(new GetMetricRequest { MetricId = "dhs-returns" });
        var removals = await second.Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" });

        Assert.Equal(2, returns.Metric.Version);
        Assert.Contains("people sent back without an order", returns.Metric.Aliases);
        Assert.Equal("catalog-loader", returns.Metric.UpdatedBy);
        Assert.Equal(1, removals.Metric.Version);
        Assert.Equal(before + 1, returns.CatalogVersion);
    }

    [Fact]
    public async Task ApiChange_SurvivesARestartWithAnUnchangedCatalog()
    {
        await using (var first = await DefinitionsHost.StartAsync(_data, _catalog))
        {
            var metric = (await first.Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-opr-prea-audits" })).Metric.Clone();
            metric.Description += " Edited through the API.";
            await first.Client.UpsertMetricAsync(new UpsertMetricRequest { Metric = metric, ExpectedVersion = 1, ChangedBy = "editor" });
        }

        await using var second = await DefinitionsHost.StartAsync(_data, _catalog);
        var after = await second.Client.GetMetricAsync(new GetMetricRequest { MetricId = "ice-opr-prea-audits" });

        Assert.Equal((2, "editor"), (after.Metric.Version, after.Metric.UpdatedBy));
        Assert.EndsWith("Edited through the API.", after.Metric.Description, StringComparison.Ordinal);
    }

    private static string CopyCatalog()
    {
        var target = Directory.CreateTempSubdirectory("tally-catalog-").FullName;
        foreach (var file in Directory.EnumerateFiles(TestRegistry.CatalogDirectory, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(TestRegistry.CatalogDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
