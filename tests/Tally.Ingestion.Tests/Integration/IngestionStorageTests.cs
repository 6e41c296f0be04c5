using System.Text.Json;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Ingestion.Storage;
using Tally.Messaging.Outbox;
using Tally.Storage;
using Tally.TestSupport;

namespace Tally.Ingestion.Tests.Integration;

/// <summary>The ingestion service's stores (snapshots, figures) and their transaction with the outbox: the same assertions on SQLite and PostgreSQL.</summary>
public sealed class IngestionStorageTests
{
    [Fact]
    public async Task Sqlite_SnapshotsAndFigures()
    {
        await using var storage = TestStorage.Sqlite(IngestionServiceExtensions.Owner);
        await ExerciseAsync(storage.Database);
    }

    [PostgresFact]
    public async Task Postgres_SnapshotsAndFigures()
    {
        await using var storage = TestStorage.Postgres("ingest");
        await ExerciseAsync(storage.Database);
    }

    [Fact]
    public async Task Sqlite_SnapshotFiguresAndEvents_CommitTogetherOrNotAtAll()
    {
        await using var storage = TestStorage.Sqlite(IngestionServiceExtensions.Owner);
        await OneTransactionAsync(storage.Database);
    }

    [PostgresFact]
    public async Task Postgres_SnapshotFiguresAndEvents_CommitTogetherOrNotAtAll()
    {
        await using var storage = TestStorage.Postgres("ingest");
        await OneTransactionAsync(storage.Database);
    }

    private static async Task ExerciseAsync(ServiceDatabase database)
    {
        Assert.Equal(1, await Migrator.ApplyAsync(database, IngestionMigrations.All));
        Assert.Equal(0, await Migrator.ApplyAsync(database, IngestionMigrations.All));
        var snapshots = new SnapshotStore(database);
        var figures = new FigureStore(database);
        var ct = CancellationToken.None;

        // Snapshots: idempotent by id; NUL stored as U+FFFD (PostgreSQL text cannot hold NUL), offsets unchanged.
        var a = Snapshot("a", "s1", retrievedAt: 1000, text: "Removals: 271,484\0in FY2024.");
        Assert.True(await snapshots.InsertAsync(a, ct));
        Assert.False(await snapshots.InsertAsync(Snapshot("a", "s1", retrievedAt: 5, text: "other"), ct));
        var stored = await snapshots.FindAsync(a.Id, includeText: true, ct);
        Assert.Equal("Removals: 271,484\uFFFDin FY2024.", stored!.Text);
        Assert.Equal((a.SourceId, "text/plain", 1000L, 1L, "Title a", 28L), (stored.SourceId, stored.MediaType, stored.RetrievedAt, stored.HasText, stored.Title, stored.TextLength));
        Assert.Equal("s1", stored.SourceProto().Id);
        Assert.Null((await snapshots.FindAsync(a.Id, includeText: false, ct))!.Text);
        Assert.Null(await snapshots.FindAsync("missing", includeText: true, ct));

        Assert.True(await snapshots.InsertAsync(Snapshot("b", "s1", retrievedAt: 2000, text: "B"), ct));
        Assert.True(await snapshots.InsertAsync(Snapshot("c", "s1", retrievedAt: 3000, text: null), ct));
        Assert.True(await snapshots.InsertAsync(Snapshot("d", "s2", retrievedAt: 1500, text: "D"), ct));
        Assert.Equal(Id("b"), await snapshots.LatestWithTextAsync("s1", ct)); // c is newer but has no text
        Assert.Null(await snapshots.LatestWithTextAsync("s9", ct));
        Assert.Equal([Id("c"), Id("b"), Id("a")], (await snapshots.ListAsync("s1", 0, 10, ct)).Select(r => r.Id));
        Assert.Equal([Id("b"), Id("d")], (await snapshots.ListAsync("", 1, 2, ct)).Select(r => r.Id));

        // Catalog figures: replaced as a set; attaching a snapshot is sticky; rewriting keeps what was attached.
        var f1 = CatalogFigure("f1", "m1", "s1", "c1", "2024-01-01");
        var f2 = CatalogFigure("f2", "m2", "s1", "c2", "2023-01-01");
        var f3 = CatalogFigure("f3", "m1", "s2", "c3", "2022-01-01");
        Assert.Equal(3, await figures.ReplaceCatalogFiguresAsync([f1, f2, f3], ct));
        Assert.Equal(1, await figures.AttachCatalogFiguresAsync("s1", Id("a"), new HashSet<string> { "c1" }, ct));
        Assert.Equal(0, await figures.AttachCatalogFiguresAsync("s1", Id("b"), new HashSet<string> { "c1" }, ct));
        Assert.Equal(2, await figures.ReplaceCatalogFiguresAsync([CatalogFigure("f1", "m1", "s1", "c1", "2024-01-01", value: 7), f2], ct));
        var m1 = await figures.ListAsync(new FigureFilter("m1", "", "", ReviewState.Unspecified), 0, 10, ct);
        var f1Stored = Assert.Single(m1);
        Assert.Equal(("f1", Id("a"), Id("a"), 7d), (f1Stored.Id, f1Stored.SnapshotId, f1Stored.Citations[0].SnapshotId, f1Stored.Value));

        // Extracted figures: idempotent by id; rejected ones listed only when asked for.
        var e1 = Extracted("e1", "m0", Id("a"), ReviewState.Unreviewed);
        var e2 = Extracted("e2", "m3", Id("a"), ReviewState.Rejected);
        Assert.Equal(2, await figures.InsertExtractedAsync([e1, e2], ct));
        Assert.Equal(0, await figures.InsertExtractedAsync([e1, e2], ct));
        Assert.Equal(2, await figures.CountExtractedAsync(Id("a"), ct));
        Assert.Equal(["e1", "f1"], (await figures.ListAsync(new FigureFilter("", "", Id("a"), ReviewState.Unspecified), 0, 10, ct)).Select(f => f.Id));
        Assert.Equal(["e2"], (await figures.ListAsync(new FigureFilter("", "", "", ReviewState.Rejected), 0, 10, ct)).Select(f => f.Id));
        Assert.Equal(["f1", "f2"], (await figures.ListAsync(new FigureFilter("", "s1", "", ReviewState.Unspecified), 1, 2, ct)).Select(f => f.Id));
    }

    private static async Task OneTransactionAsync(ServiceDatabase database)
    {
        await Migrator.ApplyAsync(database, IngestionMigrations.All);
        Assert.Equal(1, await OutboxMigrations.ApplyAsync(database));
        var outbox = new TransactionalOutbox(database);
        var ct = CancellationToken.None;

        async Task WriteAsync(string key, bool fail)
        {
            await using var connection = await database.OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            Assert.True(await SnapshotStore.InsertAsync(connection, tx, Snapshot(key, "s1", 1000, "text"), ct));
            Assert.Equal(1, await FigureStore.InsertExtractedAsync(tx, [Extracted("x" + key, "m1", Id(key), ReviewState.Unreviewed)], ct));
            await outbox.AddAsync(tx, new SourceIngested { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, SourceId = "s1", SnapshotId = Id(key), ContentSha256 = Id(key) }, ct);
            if (fail)
            {
                throw new InvalidOperationException("failure injected after the outbox insert, before the commit");
            }

            await outbox.CommitAsync(tx, ct);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => WriteAsync("rolled-back", fail: true));
        await WriteAsync("committed", fail: false);

        await using var check = await database.OpenAsync(ct);
        Assert.Equal([Id("committed")], await check.QueryAsync<string>("SELECT id FROM snapshots"));
        Assert.Equal(["xcommitted"], await check.QueryAsync<string>("SELECT id FROM figures"));
        var body = Assert.Single(await check.QueryAsync<string>("SELECT body FROM bus_outbox"));
        Assert.Equal(Id("committed"), JsonSerializer.Deserialize<SourceIngested>(body)!.SnapshotId);
    }

    private static string Id(string key) => key.PadLeft(64, '0');

    private static SnapshotRow Snapshot(string key, string sourceId, long retrievedAt, string? text) => new()
    {
        Id = Id(key),
        SourceId = sourceId,
        MediaType = "text/plain",
        FileName = key + ".txt",
        Vintage = "",
        RetrievedAt = retrievedAt,
        IngestedAt = retrievedAt + 1,
        ByteLength = 10,
        TextLength = text?.Length ?? 0,
        HasText = text is null ? 0 : 1,
        Title = "Title " + key,
        Source = SnapshotStore.Serialize(new Source { Id = sourceId, Title = "Source " + sourceId }),
        Content = [1, 2, 3, 0, 255],
        Text = text,
    };

    private static Figure CatalogFigure(string id, string metricId, string sourceId, string citationId, string start, double value = 1) => new()
    {
        Id = id,
        MetricId = metricId,
        SourceId = sourceId,
        Value = value,
        ReviewState = ReviewState.Reviewed,
        Period = new Period { StartDate = start },
        Citations = { new Citation { Id = citationId, SourceId = sourceId } },
    };

    private static Figure Extracted(string id, string metricId, string snapshotId, ReviewState state) => new()
    {
        Id = id,
        MetricId = metricId,
        SourceId = "s1",
        SnapshotId = snapshotId,
        ReviewState = state,
        Period = new Period { StartDate = "2024-01-01" },
        RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(1000)),
    };
}
