using System.Reflection;
using System.Text.Json;
using Tally.Contracts.Events;

namespace Tally.Contracts.Tests;

/// <summary>Bus events are immutable sealed records with an id and a time, and survive JSON round trips.</summary>
public sealed class EventTests
{
    private static readonly Type[] EventTypes = typeof(SourceIngested).Assembly.GetTypes()
        .Where(t => t.Namespace == "Tally.Contracts.Events" && t.IsPublic)
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void Events_AreTheContractedSet()
    {
        Assert.Equal(
            ["ApiKeyRevoked", "CitationVerified", "DatasetLoaded", "FiguresExtracted", "MetricDefinitionChanged", "SourceIngested"],
            EventTypes.Select(t => t.Name));
    }

    [Fact]
    public void Events_AreSealedImmutableRecordsWithIdAndTime()
    {
        Assert.All(EventTypes, t =>
        {
            Assert.True(t.IsSealed, $"{t.Name} must be sealed");
            Assert.NotNull(t.GetMethod("<Clone>$"));
            Assert.Equal(typeof(Guid), t.GetProperty("EventId")?.PropertyType);
            Assert.Equal(typeof(DateTimeOffset), t.GetProperty("OccurredAt")?.PropertyType);
            Assert.All(t.GetProperties(BindingFlags.Public | BindingFlags.Instance), p =>
                Assert.True(IsInitOnly(p), $"{t.Name}.{p.Name} must be init-only"));
        });
    }

    [Fact]
    public void MetricDefinitionChanged_RoundTripsThroughJson()
    {
        var changed = new MetricDefinitionChanged
        {
            EventId = Guid.NewGuid(),
            OccurredAt = new DateTimeOffset(2025, 11, 22, 9, 30, 0, TimeSpan.Zero),
            MetricId = "ice.ero.removals",
            Version = 4,
            PreviousVersion = 3,
            CatalogVersion = 57,
            ChangedBy = "catalog-loader",
        };

        var back = JsonSerializer.Deserialize<MetricDefinitionChanged>(JsonSerializer.Serialize(changed));

        Assert.Equal(changed, back);
    }

    [Fact]
    public void DatasetLoaded_ReadsMessagesWithoutOptionalFields()
    {
        const string older = """
            {"EventId":"6f1c1f9e-3c1b-4d5e-9a43-0a5b8f3f6c11","OccurredAt":"2025-10-01T00:00:00+00:00",
             "DatasetId":"ds-1","DatasetName":"ice-detention-stats","SnapshotId":"snap-9","Vintages":["2024-10-01"]}
            """;

        var loaded = JsonSerializer.Deserialize<DatasetLoaded>(older)!;

        Assert.Equal("ice-detention-stats", loaded.DatasetName);
        Assert.Equal(["2024-10-01"], loaded.Vintages);
        Assert.Equal(0, loaded.RowsQuarantined);
    }

    private static bool IsInitOnly(PropertyInfo property) =>
        property.SetMethod?.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)) == true;
}
