using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace Tally.Query.Caching;

/// <summary>The versions an answer depends on: the catalog version and every dataset's newest vintage.</summary>
public sealed record VersionStamp(int CatalogVersion, IReadOnlyDictionary<string, string> DataVersions);

/// <summary>
/// Cache keys: hex SHA-256 over the rpc name, the request's deterministic protobuf bytes (with its skip_cache
/// flag cleared by the caller) and the version stamp, so a new catalog or dataset version is a new key.
/// </summary>
public static class AnswerCacheKey
{
    public static string For(string rpc, IMessage request, VersionStamp versions)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(versions);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(rpc + "\n"));
        using (var stream = new MemoryStream())
        {
            var output = new CodedOutputStream(stream) { Deterministic = true };
            request.WriteTo(output);
            output.Flush();
            hash.AppendData(stream.ToArray());
        }

        var text = new StringBuilder("\ncatalog=").Append(versions.CatalogVersion);
        foreach (var (dataset, vintage) in versions.DataVersions.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(dataset).Append('=').Append(vintage);
        }

        hash.AppendData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
