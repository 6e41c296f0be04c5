using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tally.Catalog.Model;

namespace Tally.Catalog.Loading;

/// <summary>
/// The catalog version: SHA-256 over a canonical JSON rendering of the sorted model (positions,
/// comments, key order and file layout do not count), shortened to 16 hex digits.
/// </summary>
internal static class CatalogHasher
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private sealed record Canonical(
        int Format,
        ImmutableArray<Source> Sources,
        ImmutableArray<MetricDefinition> Metrics,
        ImmutableArray<MetricRelation> Relations,
        ImmutableArray<Figure> Figures,
        ImmutableArray<GlossaryEntry> Glossary);

    public static string Hash(
        ImmutableArray<Source> sources,
        ImmutableArray<MetricDefinition> metrics,
        ImmutableArray<MetricRelation> relations,
        ImmutableArray<Figure> figures,
        ImmutableArray<GlossaryEntry> glossary)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new Canonical(1, sources, metrics, relations, figures, glossary), Options);
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
    }
}
