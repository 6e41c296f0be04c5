using System.Globalization;
using Tally.Citations.Storage;
using Tally.Common.V1;
using Tally.Grpc;

namespace Tally.Citations.Sources;

/// <summary>RegisterSource and GetSource: idempotent by URL (or by id when there is no URL).</summary>
internal sealed class SourceRegistry(SourceStore store)
{
    public async Task<(Source Source, bool Existed)> RegisterAsync(Source? requested, CancellationToken ct)
    {
        if (requested is null)
        {
            throw Error(StatusCode.InvalidArgument, "source is missing: give at least kind, publisher and title (and url for web pages).");
        }

        var source = requested.Clone();
        source.Id = source.Id.Trim();
        source.Url = source.Url.Trim();
        source.Title = source.Title.Trim();
        source.Publisher = source.Publisher.Trim();
        var problems = SourceRules.Validate(source);
        if (problems.Count > 0)
        {
            throw Error(StatusCode.InvalidArgument, "Cannot register the source: " + string.Join(" ", problems));
        }

        var urlKey = SourceRules.UrlKey(source.Url);
        if (urlKey.Length > 0 && await store.FindByUrlAsync(urlKey, ct) is { } sameUrl)
        {
            return (sameUrl, true);
        }

        if (source.Id.Length > 0)
        {
            if (await store.FindAsync(source.Id, ct) is { } sameId)
            {
                if (urlKey.Length == 0 || SourceRules.UrlKey(sameId.Url).Length == 0)
                {
                    return (sameId, true);
                }

                throw Error(StatusCode.AlreadyExists,
                    $"Source id '{source.Id}' is already registered for {sameId.Url}, not {source.Url}. Choose another id, or leave id empty to derive one.");
            }

            if (await store.InsertAsync(source, SourceStore.RegisteredOrigin, ct))
            {
                return (source, false);
            }

            return (await store.FindAsync(source.Id, ct) ?? source, true); // registered concurrently
        }

        var derived = SourceRules.DeriveId(source.Publisher, source.Title);
        for (var n = 1; n < 100; n++)
        {
            source.Id = n == 1 ? derived : derived + "-" + n.ToString(CultureInfo.InvariantCulture);
            if (await store.FindAsync(source.Id, ct) is { } taken)
            {
                if (urlKey.Length == 0 && SourceRules.UrlKey(taken.Url).Length == 0)
                {
                    return (taken, true); // no URL: the same derived id is the same source
                }

                continue;
            }

            if (await store.InsertAsync(source, SourceStore.RegisteredOrigin, ct))
            {
                return (source, false);
            }
        }

        throw Error(StatusCode.AlreadyExists, $"Could not derive a free id from '{derived}'; give the source an id.");
    }

    public async Task<Source> GetAsync(string sourceId, CancellationToken ct)
    {
        var id = sourceId.Trim();
        if (id.Length == 0)
        {
            throw Error(StatusCode.InvalidArgument, "source_id is empty; list sources with ListSources.");
        }

        if (await store.FindAsync(id, ct) is { } source)
        {
            return source;
        }

        var nearest = SourceRules.Nearest(id, await store.AllIdsAsync(ct));
        throw Error(StatusCode.NotFound, $"No source '{id}' is registered." +
            (nearest.Count > 0 ? $" Nearest ids: {string.Join(", ", nearest)}." : "") +
            " List sources with ListSources, or register it (RegisterSource, or new_source when ingesting).");
    }

    private static RpcException Error(StatusCode code, string message) => new(new Status(code, message));
}
