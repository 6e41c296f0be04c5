using System.Text.Json;
using Dapper;
using Tally.Citations.Storage;
using Tally.Common.V1;
using Tally.Contracts.Events;
using Tally.Messaging.Outbox;
using Tally.Storage;
using Tally.TestSupport;

namespace Tally.Citations.Tests.Integration;

/// <summary>The citation service's stores (sources, citations, checks) and their events in the outbox: the same assertions on SQLite and PostgreSQL.</summary>
public sealed class CitationStorageTests
{
    [Fact]
    public async Task Sqlite_SourcesCitationsChecksAndEvents()
    {
        await using var storage = TestStorage.Sqlite(CitationsServiceExtensions.Owner);
        await ExerciseAsync(storage.Database);
    }

    [PostgresFact]
    public async Task Postgres_SourcesCitationsChecksAndEvents()
    {
        await using var storage = TestStorage.Postgres("cite");
        await ExerciseAsync(storage.Database);
    }

    private static async Task ExerciseAsync(ServiceDatabase database)
    {
        Assert.Equal(1, await Migrator.ApplyAsync(database, CitationsMigrations.All));
        Assert.Equal(0, await Migrator.ApplyAsync(database, CitationsMigrations.All));
        Assert.Equal(1, await OutboxMigrations.ApplyAsync(database));
        var sources = new SourceStore(database);
        var citations = new CitationStore(database, new TransactionalOutbox(database));
        var ct = CancellationToken.None;

        // Sources: catalog upsert keeps a newer retrieved date; lookups by id and URL; filters and paging.
        await sources.UpsertCatalogAsync(
        [
            new Source { Id = "ice-annual", Kind = SourceKind.OfficialReport, Publisher = "U.S. Immigration and Customs Enforcement", Title = "Annual Report", Url = "https://www.ice.gov/report", RetrievedDate = "2025-01-01" },
            new Source { Id = "oig_list", Kind = SourceKind.OversightReport, Publisher = "DHS Office of Inspector General", Title = "Reports", Url = "https://www.oig.dhs.gov/reports", RetrievedDate = "2025-01-01" },
            new Source { Id = "news-100%", Kind = SourceKind.News, Publisher = "Example_News", Title = "Deportations", Url = "" },
        ], ct);
        await sources.UpdateRetrievedAsync("ice-annual", "2025-03-04", ct);
        await sources.UpdateRetrievedAsync("ice-annual", "2024-12-31", ct); // never back
        await sources.UpsertCatalogAsync([new Source { Id = "ice-annual", Kind = SourceKind.OfficialReport, Publisher = "ICE", Title = "Annual Report", Url = "https://www.ice.gov/report", RetrievedDate = "2025-01-01" }], ct);
        var ice = await sources.FindAsync("ice-annual", ct);
        Assert.Equal(("ICE", "2025-03-04"), (ice!.Publisher, ice.RetrievedDate));
        Assert.Equal("oig_list", (await sources.FindByUrlAsync(Sources.SourceRules.UrlKey("HTTPS://www.oig.dhs.gov/reports/"), ct))!.Id);
        Assert.Null(await sources.FindByUrlAsync("", ct));
        Assert.False(await sources.InsertAsync(new Source { Id = "oig_list", Title = "again" }, SourceStore.RegisteredOrigin, ct));
        Assert.True(await sources.InsertAsync(new Source { Id = "added", Kind = SourceKind.News, Publisher = "Other", Title = "T" }, SourceStore.RegisteredOrigin, ct));
        Assert.Equal(["added", "ice-annual", "news-100%", "oig_list"], await sources.AllIdsAsync(ct));
        Assert.Equal(["added", "news-100%"], (await sources.ListAsync(SourceKind.News, "", 0, 10, ct)).Select(s => s.Id));
        Assert.Equal(["oig_list"], (await sources.ListAsync(SourceKind.Unspecified, "inspector GENERAL", 0, 10, ct)).Select(s => s.Id));
        Assert.Equal(["news-100%"], (await sources.ListAsync(SourceKind.Unspecified, "e_n", 0, 10, ct)).Select(s => s.Id)); // '_' is literal
        Assert.Empty(await sources.ListAsync(SourceKind.Unspecified, "%", 0, 10, ct)); // so is '%'
        Assert.Equal(["ice-annual", "news-100%"], (await sources.ListAsync(SourceKind.Unspecified, "", 1, 2, ct)).Select(s => s.Id));

        // Citations: catalog records inserted once; a created citation with its check and its event, or nothing.
        Assert.Equal(2, await citations.InsertManyAsync([Pending("cit-a", "ice-annual"), Pending("cit-b", "ice-annual")], ct));
        Assert.Equal(0, await citations.InsertManyAsync([Pending("cit-a", "ice-annual")], ct));
        var created = Pending("cit-created", "ice-annual");
        created.Pinned = 1;
        created.SnapshotId = "snap1";
        var createdCheck = new CitationCheck("cit-created", "snap1", (long)Verification.Types.Outcome.FoundExact, "found", 3, 9, 1000);
        Assert.True(await citations.InsertAsync(created, createdCheck, Event("cit-created", "snap1", true), ct));
        Assert.False(await citations.InsertAsync(created, createdCheck, Event("cit-created", "snap1", true), ct));
        Assert.Equal(1, await OutboxRowsAsync(database));

        // Pending: unverified catalog citations not yet checked against this snapshot; a check is recorded once.
        Assert.Equal(["cit-a", "cit-b"], (await citations.PendingAsync("ice-annual", "snap2", ct)).Select(c => c.Id));
        var a = (await citations.FindAsync("cit-a", ct))!;
        Assert.Null(a.ToProto().Verification);
        a.SnapshotId = "snap2";
        a.Verified = 1;
        a.Outcome = (long)Verification.Types.Outcome.FoundNormalised;
        a.CheckedAt = 2000;
        a.Accessed = "2025-03-04";
        var aCheck = new CitationCheck("cit-a", "snap2", a.Outcome, "normalised", 10, 20, 2000);
        Assert.True(await citations.RecordAsync(a, aCheck, onlyIfNew: true, Event("cit-a", "snap2", true), ct));
        Assert.False(await citations.RecordAsync(a, aCheck, onlyIfNew: true, Event("cit-a", "snap2", true), ct)); // redelivery: nothing, no event
        Assert.Equal(["cit-b"], (await citations.PendingAsync("ice-annual", "snap2", ct)).Select(c => c.Id));
        Assert.Equal(2, await OutboxRowsAsync(database));
        var stored = (await citations.FindAsync("cit-a", ct))!.ToProto();
        Assert.Equal((true, "snap2", Verification.Types.Outcome.FoundNormalised), (stored.Verified, stored.SnapshotId, stored.Verification.Outcome));

        // An explicit re-check replaces the check of that snapshot; checks of other snapshots stay.
        Assert.True(await citations.RecordAsync(a, aCheck with { Detail = "again", CheckedAt = 3000 }, onlyIfNew: false, null, ct));
        Assert.True(await citations.RecordAsync(a, aCheck with { SnapshotId = "snap3", CheckedAt = 4000 }, onlyIfNew: false, null, ct));
        Assert.Equal([("snap2", "again"), ("snap3", "normalised")], (await citations.ChecksAsync("cit-a", ct)).Select(c => (c.SnapshotId, c.Detail)));
        Assert.Equal(["cit-a", "cit-b", "cit-created"], await citations.IdsLikeAsync("cit-", ct));

        await using var connection = await database.OpenAsync();
        var bodies = (await connection.QueryAsync<string>("SELECT body FROM bus_outbox ORDER BY id")).Select(b => JsonSerializer.Deserialize<CitationVerified>(b)!).ToList();
        Assert.Equal([("cit-created", "snap1"), ("cit-a", "snap2")], bodies.Select(e => (e.CitationId, e.SnapshotId)));
    }

    private static CitationRow Pending(string id, string sourceId) => new()
    {
        Id = id,
        Origin = CitationStore.CatalogOrigin,
        SourceId = sourceId,
        Fragment = "ICE removed 271,484 people",
        Locator = CitationStore.Serialize(new Locator { Section = "Removals" }),
        Link = "https://www.ice.gov/report#:~:text=271%2C484",
        CreatedAt = 1,
    };

    private static CitationVerified Event(string citationId, string snapshotId, bool verified) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        CitationId = citationId,
        SnapshotId = snapshotId,
        Verified = verified,
        Changed = true,
        Detail = "",
    };

    private static async Task<long> OutboxRowsAsync(ServiceDatabase database)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM bus_outbox");
    }
}
