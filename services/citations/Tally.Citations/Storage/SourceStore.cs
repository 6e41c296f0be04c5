using Dapper;
using Google.Protobuf;
using Tally.Citations.Sources;
using Tally.Common.V1;
using Tally.Storage;

namespace Tally.Citations.Storage;

/// <summary>The source registry: the catalog's sources (loaded at start) and sources registered through the rpc.</summary>
internal sealed class SourceStore(ServiceDatabase db)
{
    public const string CatalogOrigin = "catalog";
    public const string RegisteredOrigin = "registered";

    public async Task<Source?> FindAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var bytes = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT source FROM sources WHERE id = @id", new { id }, cancellationToken: ct));
        return bytes is null ? null : Source.Parser.ParseFrom(bytes);
    }

    public async Task<Source?> FindByUrlAsync(string urlKey, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var bytes = await connection.QueryFirstOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT source FROM sources WHERE url_key = @urlKey AND url_key <> '' ORDER BY id LIMIT 1", new { urlKey }, cancellationToken: ct));
        return bytes is null ? null : Source.Parser.ParseFrom(bytes);
    }

    public async Task<IReadOnlyList<string>> AllIdsAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition("SELECT id FROM sources ORDER BY id", cancellationToken: ct))).AsList();
    }

    /// <summary>Stores a new source; false when the id is taken (nothing written).</summary>
    public async Task<bool> InsertAsync(Source source, string origin, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sources (id, url_key, kind, publisher, origin, source) VALUES (@Id, @UrlKey, @Kind, @Publisher, @Origin, @Bytes)
            ON CONFLICT (id) DO NOTHING
            """, Row(source, origin), cancellationToken: ct)) == 1;
    }

    /// <summary>Writes the catalog's sources, keeping a retrieved date that a stored snapshot made newer.</summary>
    public async Task UpsertCatalogAsync(IReadOnlyList<Source> sources, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var source in sources)
        {
            var existing = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
                "SELECT source FROM sources WHERE id = @Id", new { source.Id }, tx, cancellationToken: ct));
            if (existing is not null && Source.Parser.ParseFrom(existing).RetrievedDate is var stored &&
                string.CompareOrdinal(stored, source.RetrievedDate) > 0)
            {
                source.RetrievedDate = stored;
            }

            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO sources (id, url_key, kind, publisher, origin, source) VALUES (@Id, @UrlKey, @Kind, @Publisher, @Origin, @Bytes)
                ON CONFLICT (id) DO UPDATE SET url_key = excluded.url_key, kind = excluded.kind, publisher = excluded.publisher,
                    origin = excluded.origin, source = excluded.source
                """, Row(source, CatalogOrigin), tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Moves a source's retrieved date forward to <paramref name="date"/> ("YYYY-MM-DD"); never back.</summary>
    public async Task UpdateRetrievedAsync(string id, string date, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var bytes = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT source FROM sources WHERE id = @id", new { id }, tx, cancellationToken: ct));
        if (bytes is not null && Source.Parser.ParseFrom(bytes) is var source && string.CompareOrdinal(source.RetrievedDate, date) < 0)
        {
            source.RetrievedDate = date;
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE sources SET source = @bytes WHERE id = @id", new { bytes = source.ToByteArray(), id }, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>A page of sources ordered by id; <paramref name="publisher"/> matches as a case-insensitive substring.</summary>
    public async Task<IReadOnlyList<Source>> ListAsync(SourceKind kind, string publisher, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var pattern = "%" + publisher.ToLowerInvariant().Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        var rows = await connection.QueryAsync<byte[]>(new CommandDefinition(
            """
            SELECT source FROM sources
            WHERE (@kind = 0 OR kind = @kind) AND (@publisher = '' OR LOWER(publisher) LIKE @pattern ESCAPE '\')
            ORDER BY id LIMIT @limit OFFSET @offset
            """, new { kind = (long)kind, publisher, pattern, limit, offset }, cancellationToken: ct));
        return rows.Select(b => Source.Parser.ParseFrom(b)).ToList();
    }

    private static object Row(Source source, string origin) => new
    {
        source.Id,
        UrlKey = SourceRules.UrlKey(source.Url),
        Kind = (long)source.Kind,
        source.Publisher,
        Origin = origin,
        Bytes = source.ToByteArray(),
    };
}
