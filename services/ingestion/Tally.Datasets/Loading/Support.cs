using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Dapper;
using Tally.Datasets.Storage;

namespace Tally.Datasets.Loading;

internal static class Ids
{
    /// <summary>"ld-0193f1c2a4b87c3e9d21": a prefix and 20 hex digits of a time-ordered GUID.</summary>
    public static string New(string prefix) => $"{prefix}-{Guid.CreateVersion7():N}"[..(prefix.Length + 21)];

    /// <summary>A stable 64-bit key for PostgreSQL advisory locks.</summary>
    public static long LockKey(string text) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("tally-datasets:" + text)), 0);
}

internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>File and sheet patterns: '*' any run of characters, '?' one character; case-insensitive.</summary>
internal static class Glob
{
    public static bool Matches(string pattern, string text) =>
        Regex.IsMatch(text, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}

internal static class Cleanup
{
    /// <summary>Deletes a load's staged rows (by filing), its quarantine rows and its staging marker.</summary>
    public static async Task DeleteStagedAsync(DbConnection connection, string loadId, IReadOnlyDictionary<string, List<string>> filingsByPhysicalTable)
    {
        foreach (var (table, filings) in filingsByPhysicalTable)
        {
            foreach (var chunk in filings.Chunk(500))
            {
                await connection.ExecuteAsync(
                    $"DELETE FROM {PhysicalTable.Q(table)} WHERE {PhysicalTable.Q(PhysicalTable.FilingColumn)} IN ({string.Join(", ", chunk.Select((_, i) => "@f" + i))})",
                    Params(chunk));
            }
        }

        await connection.ExecuteAsync("DELETE FROM ds_quarantine WHERE load_id = @Id", new { Id = loadId });
        await connection.ExecuteAsync("DELETE FROM ds_staging WHERE load_id = @Id", new { Id = loadId });
    }

    public static DynamicParameters Params(IEnumerable<string> values, string prefix = "f")
    {
        var p = new DynamicParameters();
        var i = 0;
        foreach (var v in values)
        {
            p.Add(prefix + i++, v);
        }

        return p;
    }
}
