using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Tally.Access.V1;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.Query.V1;

namespace Tally.Security.Tests;

/// <summary>Every change is recorded with who, when, what, before and after; answers name who last changed their definition.</summary>
public sealed class AuditTrailTests(SecuredTally tally) : IClassFixture<SecuredTally>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task KeyCreation_IsRecorded_WithItsCreator()
    {
        var entries = await tally.Access(tally.ReaderKey).ListAuditEntriesAsync(new ListAuditEntriesRequest { TargetKind = "api_key" });
        var editor = Assert.Single(entries.Entries, e => e.Action == "api_key.created" && e.Detail.Contains("'ed'", StringComparison.Ordinal));
        Assert.Equal(("ada", "definitions", "editor"), (editor.ActorName, editor.Service, editor.After));
        Assert.StartsWith("key:", editor.ActorSubject, StringComparison.Ordinal);
        var admin = Assert.Single(entries.Entries, e => e.Action == "api_key.created" && e.Detail.Contains("'ada'", StringComparison.Ordinal));
        Assert.Equal("bootstrap", admin.ActorSubject);
    }

    [Fact]
    public async Task DefinitionChange_IsRecordedWithVersions_AndTheNextAnswerNamesWhoMadeIt()
    {
        var definitions = new MetricDefinitionService.MetricDefinitionServiceClient(tally.As(tally.EditorKey));
        var current = (await definitions.GetMetricAsync(new GetMetricRequest { MetricId = "ice-removals" })).Metric;
        var changed = current.Clone();
        changed.Aliases.Add("people ICE sent home " + Guid.NewGuid().ToString("N")[..6]);
        var stored = await definitions.UpsertMetricAsync(new UpsertMetricRequest { Metric = changed, ExpectedVersion = current.Version, ChangeNote = "alias", ChangedBy = "someone-else" });
        Assert.Equal("ed", stored.Metric.UpdatedBy); // the authenticated caller, not the typed name
        Assert.Contains("for someone-else", stored.Metric.ChangeNote, StringComparison.Ordinal);

        var trail = await tally.Access(tally.ReaderKey).ListAuditEntriesAsync(new ListAuditEntriesRequest { MetricId = "ice-removals" });
        var entry = trail.Entries[0];
        Assert.Equal(("metric.changed", "metric", "ice-removals", $"v{current.Version}", $"v{stored.Metric.Version}", "ed"),
            (entry.Action, entry.TargetKind, entry.TargetId, entry.Before, entry.After, entry.ActorName));

        var answer = await new QueryService.QueryServiceClient(tally.As(tally.ReaderKey)).GetFigureAsync(new GetFigureRequest
        {
            MetricId = "ice-removals", Period = new Period { Kind = PeriodKind.FiscalYear, FiscalYear = 2024 },
        });
        var figure = Assert.Single(answer.Figures, f => f.MetricId == "ice-removals");
        Assert.Equal("ed", figure.DefinitionUpdatedBy);
        Assert.NotNull(figure.DefinitionUpdatedAt);
    }

    [Fact]
    public async Task DocumentIngest_ReachesTheTrail_ThroughTheBus_WithTheEditorAsActor()
    {
        var ingestion = new IngestionService.IngestionServiceClient(tally.As(tally.EditorKey));
        var text = $"Audit note {Guid.NewGuid():N}: ICE reported 271,484 removals in FY2024.";
        var stored = await ingestion.IngestDocumentAsync(new IngestDocumentRequest
        {
            Content = ByteString.CopyFromUtf8(text), MediaType = "text/plain", SourceId = "ice-annual-report-fy2024-page",
        });
        var deadline = DateTime.UtcNow + Wait;
        AuditEntry? entry = null;
        while (entry is null && DateTime.UtcNow < deadline)
        {
            var trail = await tally.Access(tally.ReaderKey).ListAuditEntriesAsync(new ListAuditEntriesRequest { TargetKind = "source" });
            entry = trail.Entries.FirstOrDefault(e => e.After == stored.Snapshot.Id);
            if (entry is null) await Task.Delay(100);
        }

        Assert.NotNull(entry);
        Assert.Equal(("source.ingested", "ed", "ingestion"), (entry.Action, entry.ActorName, entry.Service));
        Assert.StartsWith("key:", entry.ActorSubject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_AndPages_AreHonoured()
    {
        var access = tally.Access(tally.ReaderKey);
        var all = await access.ListAuditEntriesAsync(new ListAuditEntriesRequest { PageSize = 500 });
        Assert.True(all.Entries.Count >= 3);
        Assert.Equal(all.Entries.Select(e => e.Id).OrderDescending(), all.Entries.Select(e => e.Id));

        var first = await access.ListAuditEntriesAsync(new ListAuditEntriesRequest { PageSize = 1 });
        var second = await access.ListAuditEntriesAsync(new ListAuditEntriesRequest { PageSize = 1, PageToken = first.NextPageToken });
        Assert.True(second.Entries[0].Id < first.Entries[0].Id);

        var future = await access.ListAuditEntriesAsync(new ListAuditEntriesRequest { Since = Timestamp.FromDateTime(DateTime.UtcNow.AddDays(1)) });
        Assert.Empty(future.Entries);
        var byAda = await access.ListAuditEntriesAsync(new ListAuditEntriesRequest { Actor = "ada" });
        Assert.All(byAda.Entries, e => Assert.Equal("ada", e.ActorName));

        var e = await Assert.ThrowsAsync<RpcException>(() => access.ListAuditEntriesAsync(new ListAuditEntriesRequest { PageToken = "not-a-token" }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }
}
