using System.Data.Common;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Tally.Common.V1;
using Tally.Storage;

namespace Tally.Ingestion.Storage;

/// <summary>One stored snapshot: metadata, the raw bytes (optional), the extracted text (optional).</summary>
internal sealed class SnapshotRow
{
    public string Id { get; set; } = "";
    public string SourceId { get; set; } = "";
    public string MediaType { get; set; } = "";
    public string FileName { get; set; } = "";
    public string Vintage { get; set; } = "";
    public long RetrievedAt { get; set; }
    public long IngestedAt { get; set; }
    public long ByteLength { get; set; }
    public long TextLength { get; set; }
    public long HasText { get; set; }
    public string? Title { get; set; }
    public byte[] Source { get; set; } = [];
    public byte[]? Content { get; set; }
    public string? Text { get; set; }

    public Snapshot ToProto() => new()
    {
        Id = Id,
        SourceId = SourceId,
        ContentSha256 = Id,
        MediaType = MediaType,
        RetrievedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(RetrievedAt)),
        TextLength = TextLength,
        ByteLength = ByteLength,
        FileName = FileName,
        Vintage = Vintage,
    };

    public Source SourceProto() => Common.V1.Source.Parser.ParseFrom(Source);
}

/// <summary>Snapshots in the ingestion database. Snapshot ids are the SHA-256 of the bytes, so inserts are idempotent.</summary>
internal sealed class SnapshotStore(ServiceDatabase db)
{
    private const string Columns =
        "id AS Id, source_id AS SourceId, media_type AS MediaType, file_name AS FileName, vintage AS Vintage, retrieved_at AS RetrievedAt, " +
        "ingested_at AS IngestedAt, byte_length AS ByteLength, text_length AS TextLength, has_text AS HasText, title AS Title, source AS Source";

    public async Task<SnapshotRow?> FindAsync(string id, bool includeText, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var sql = $"SELECT {Columns}{(includeText ? ", text AS Text" : "")} FROM snapshots WHERE id = @id";
        return await connection.QuerySingleOrDefaultAsync<SnapshotRow>(new CommandDefinition(sql, new { id }, cancellationToken: ct));
    }

    /// <summary>Stores the snapshot; false when a snapshot with the same id already existed (nothing written).</summary>
    public async Task<bool> InsertAsync(SnapshotRow row, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await InsertAsync(connection, null, row, ct);
    }

    /// <summary>
    /// As <see cref="InsertAsync(SnapshotRow, CancellationToken)"/>, on the caller's connection and transaction. Text
    /// columns are stored without NUL characters (<see cref="SqlText.WithoutNul"/>): PostgreSQL text cannot hold them.
    /// </summary>
    public static async Task<bool> InsertAsync(DbConnection connection, DbTransaction? tx, SnapshotRow row, CancellationToken ct)
    {
        row.FileName = SqlText.WithoutNul(row.FileName)!;
        row.Vintage = SqlText.WithoutNul(row.Vintage)!;
        row.MediaType = SqlText.WithoutNul(row.MediaType)!;
        row.Title = SqlText.WithoutNul(row.Title);
        row.Text = SqlText.WithoutNul(row.Text);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO snapshots (id, source_id, media_type, file_name, vintage, retrieved_at, ingested_at, byte_length, text_length, has_text, title, source, content, text)
            VALUES (@Id, @SourceId, @MediaType, @FileName, @Vintage, @RetrievedAt, @IngestedAt, @ByteLength, @TextLength, @HasText, @Title, @Source, @Content, @Text)
            ON CONFLICT (id) DO NOTHING
            """, row, tx, cancellationToken: ct));
        return inserted == 1;
    }

    /// <summary>The newest snapshot of a source that has text, or null.</summary>
    public async Task<string?> LatestWithTextAsync(string sourceId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT id FROM snapshots WHERE source_id = @sourceId AND has_text = 1 ORDER BY retrieved_at DESC, ingested_at DESC, id LIMIT 1",
            new { sourceId }, cancellationToken: ct));
    }

    /// <summary>A page of snapshots, newest retrieved first; one extra row is read to tell whether more follow.</summary>
    public async Task<IReadOnlyList<SnapshotRow>> ListAsync(string sourceId, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var rows = await connection.QueryAsync<SnapshotRow>(new CommandDefinition(
            $"SELECT {Columns} FROM snapshots WHERE (@sourceId = '' OR source_id = @sourceId) " +
            "ORDER BY retrieved_at DESC, ingested_at DESC, id LIMIT @limit OFFSET @offset",
            new { sourceId, limit, offset }, cancellationToken: ct));
        return rows.AsList();
    }

    public static byte[] Serialize(Source source) => source.ToByteArray();
}
