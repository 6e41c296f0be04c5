using Tally.Definitions.Explanation;
using Tally.Definitions.Registry;
using Tally.Grpc;

namespace Tally.Definitions.Grpc;

/// <summary>gRPC errors with messages a newsroom user can act on.</summary>
internal static class Errors
{
    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException UnknownMetric(string field, string id, RegistrySnapshot snapshot)
    {
        var nearest = NearestIds.Find(id, snapshot.Ids);
        return new RpcException(new Status(StatusCode.NotFound,
            $"{field}: no metric '{id}' in the registry (catalog version {snapshot.CatalogVersion}). " +
            $"Nearest ids: {string.Join(", ", nearest)}. ListMetrics lists every id."));
    }

    public static RpcException UnknownVersion(string id, int version, IReadOnlyList<int> versions) =>
        new(new Status(StatusCode.NotFound,
            $"Metric '{id}' has no version {version}; it has versions {Ranges(versions)}. Send version 0 for the current one."));

    private static string Ranges(IReadOnlyList<int> versions) =>
        versions.Count == 0 ? "none" : versions.Count == 1 ? versions[0].ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{versions[0]}-{versions[^1]}";
}
