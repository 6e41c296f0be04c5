using System.Diagnostics;
using Google.Protobuf;
using Tally.Common.V1;
using Tally.Definitions.V1;
using Tally.EndToEnd.Tests.Support;
using Tally.Ingestion.V1;
using Tally.Query.V1;
using Xunit.Abstractions;

namespace Tally.EndToEnd.Tests;

/// <summary>
/// Issue 4's scenarios on real processes and servers: ingest, define, ask; a definition change shows in the next answer
/// and evicts across processes (RabbitMQ); a repeated question is served from Redis; every query process sees every event.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class DistributedTests(DistributedTally fx, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private const string RemovalsQuestion = "How many people did ICE remove in fiscal year 2024?";

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    private static Task<Answer> AskAsync(QueryService.QueryServiceClient client, string question, bool skipCache = false) =>
        client.AskAsync(new AskRequest { Question = question, SkipCache = skipCache }, deadline: Deadline);

    private async Task<IngestDocumentResponse> IngestNewDocumentAsync(string words)
    {
        var text = $"End-to-end run {fx.RunId}, document {Guid.NewGuid():N}. {words}";
        return await fx.IngestionClient().IngestDocumentAsync(new IngestDocumentRequest
        {
            Content = ByteString.CopyFromUtf8(text),
            MediaType = "text/plain",
            FileName = "e2e.txt",
            NewSource = new Source
            {
                Kind = SourceKind.News,
                Publisher = "Tally end-to-end tests",
                Title = $"End-to-end document {fx.RunId}",
                Url = $"https://example.org/tally-e2e/{fx.RunId}",
                PublishedDate = "2025-01-15",
            },
        }, deadline: Deadline);
    }

    [EndToEndFact]
    public async Task IngestDefineAsk_ThenChangeTheDefinition_NextAnswerNamesTheNewVersion_AndTheOldEntryIsEvicted()
    {
        // Ingest: a document becomes a snapshot in PostgreSQL; the same bytes again are recognised.
        var ingested = await IngestNewDocumentAsync("The Zorblat Office counted 1,234 zorblat claims in fiscal year 2024.");
        Assert.False(ingested.AlreadyExisted);
        Assert.Equal(64, ingested.Snapshot.ContentSha256.Length);

        // Define: a new metric (a gap, like the catalog's wrongful-deportations entry), created at version 1.
        var definitions = fx.DefinitionsClient();
        var metric = (await definitions.GetMetricAsync(new GetMetricRequest { MetricId = "wrongful-deportations-reported-to-dhs" }, deadline: Deadline)).Metric.Clone();
        metric.Id = $"zorblat-claims-{fx.RunId}";
        metric.Version = 0;
        metric.Name = "Zorblat claims reported to DHS";
        metric.Aliases.Clear();
        metric.Aliases.Add("zorblat claims");
        metric.Gap.Question = "How many zorblat claims were reported to DHS in 2024?";
        var created = await definitions.UpsertMetricAsync(new UpsertMetricRequest { Metric = metric, ExpectedVersion = 0, ChangedBy = "e2e", ChangeNote = "created by the end-to-end test" }, deadline: Deadline);
        Assert.Equal(1, created.Metric.Version);

        // Ask: the answer resolves to it, at version 1; asked again, it comes from Redis under the same key.
        var query = fx.QueryClient(fx.Query);
        const string question = "How many zorblat claims were reported to DHS in 2024?";
        var first = await AskAsync(query, question);
        Assert.Equal(1, VersionOf(first, metric.Id));
        Assert.Equal(ServedFrom.Types.Kind.Computed, first.ServedFrom.Kind);
        var second = await AskAsync(query, question);
        Assert.Equal((ServedFrom.Types.Kind.Cache, ServedFrom.Types.Store.Redis), (second.ServedFrom.Kind, second.ServedFrom.Store));
        Assert.Equal(first.ServedFrom.CacheKey, second.ServedFrom.CacheKey);
        Assert.True(await fx.RedisDatabase.KeyExistsAsync(fx.KeyPrefix + first.ServedFrom.CacheKey));

        // Change the definition: the next answer names version 2 (the catalog version is in the cache key, so no stale
        // answer can be found); bounded polling only in case the resolver lags.
        metric.Description += " Changed by the end-to-end test.";
        metric.Aliases.Add("zorblat complaints");
        var changed = await definitions.UpsertMetricAsync(new UpsertMetricRequest { Metric = metric, ExpectedVersion = 1, ChangedBy = "e2e", ChangeNote = "second version" }, deadline: Deadline);
        Assert.Equal(2, changed.Metric.Version);
        var clock = Stopwatch.StartNew();
        var next = await AskAsync(query, question);
        while (VersionOf(next, metric.Id) != 2 && clock.Elapsed < Bound)
        {
            await Task.Delay(50);
            next = await AskAsync(query, question);
        }

        output.WriteLine($"the answer named version 2 {clock.Elapsed.TotalMilliseconds:0} ms after UpsertMetric returned");
        Assert.Equal(2, VersionOf(next, metric.Id));
        Assert.Equal(ServedFrom.Types.Kind.Computed, next.ServedFrom.Kind);
        Assert.NotEqual(first.ServedFrom.CacheKey, next.ServedFrom.CacheKey);
        Assert.True(next.ServedFrom.CatalogVersion > first.ServedFrom.CatalogVersion);

        // MetricDefinitionChanged crossed RabbitMQ to the query processes, which evicted the old entry from Redis.
        var evicted = await PollAsync(async () => !await fx.RedisDatabase.KeyExistsAsync(fx.KeyPrefix + first.ServedFrom.CacheKey));
        output.WriteLine($"old entry evicted {evicted.TotalMilliseconds:0} ms after the change was seen");
    }

    [EndToEndFact]
    public async Task SameQuestionTwice_SecondIsServedFromRedis_AndItsJsonSaysSo()
    {
        var query = fx.QueryClient(fx.Query);
        var first = await AskAsync(query, RemovalsQuestion, skipCache: true);
        var second = await AskAsync(query, RemovalsQuestion);

        Assert.Equal(AnswerStatus.Answered, first.Status);
        Assert.Equal(271484d, first.Figures[0].Value);
        Assert.Equal(ServedFrom.Types.Kind.Computed, first.ServedFrom.Kind);
        Assert.Equal(ServedFrom.Types.Kind.Cache, second.ServedFrom.Kind);
        Assert.Equal(ServedFrom.Types.Store.Redis, second.ServedFrom.Store);
        Assert.False(second.ServedFrom.CacheBypassed);
        Assert.Equal(first.ServedFrom.CacheKey, second.ServedFrom.CacheKey);
        Assert.Equal(first.Headline, second.Headline);
        var json = JsonFormatter.Default.Format(second);
        Assert.Contains("\"store\": \"REDIS\"", json, StringComparison.Ordinal);
    }

    [EndToEndFact]
    public async Task NewSnapshotOfTheMetric_ReachesEveryQueryProcess_TheRedisEntryAndTheOtherProcesssMemoryEntryAreBothEvicted()
    {
        // query (Redis) and query-b (in-memory) each hold the answer. With one competing queue only one of them would
        // get the event; each has its own temporary queue, so both must evict.
        var query = fx.QueryClient(fx.Query);
        var queryB = fx.QueryClient(fx.QueryB);
        await AskAsync(query, RemovalsQuestion);
        var inRedis = await AskAsync(query, RemovalsQuestion);
        await AskAsync(queryB, RemovalsQuestion);
        var inMemory = await AskAsync(queryB, RemovalsQuestion);
        Assert.Equal((ServedFrom.Types.Kind.Cache, ServedFrom.Types.Store.Redis), (inRedis.ServedFrom.Kind, inRedis.ServedFrom.Store));
        Assert.Equal((ServedFrom.Types.Kind.Cache, ServedFrom.Types.Store.Memory), (inMemory.ServedFrom.Kind, inMemory.ServedFrom.Store));

        // A new snapshot with a figure of the metric the answer read: the answers that read it are out of date.
        var ingested = await IngestNewDocumentAsync("In a test year ICE conducted 123,456 ERO removals in fiscal year 2031.");
        Assert.False(ingested.AlreadyExisted);
        var linked = await fx.IngestionClient().ListFiguresAsync(new ListFiguresRequest { SnapshotId = ingested.Snapshot.Id }, deadline: Deadline);
        Assert.Contains(linked.Figures, f => f.MetricId == "ice-removals" && f.Value == 123456d);

        var redisEvicted = await PollAsync(async () => !await fx.RedisDatabase.KeyExistsAsync(fx.KeyPrefix + inRedis.ServedFrom.CacheKey));
        var memoryEvicted = await PollAsync(async () => (await AskAsync(queryB, RemovalsQuestion)).ServedFrom.Kind == ServedFrom.Types.Kind.Computed);
        output.WriteLine($"Redis entry evicted after {redisEvicted.TotalMilliseconds:0} ms; query-b's memory entry by {memoryEvicted.TotalMilliseconds:0} ms");
    }

    private static int VersionOf(Answer answer, string metricId) =>
        answer.Resolution?.Candidates.FirstOrDefault(c => c.MetricId == metricId)?.Version
        ?? throw new Xunit.Sdk.XunitException($"{metricId} is not among the candidates: {string.Join(", ", answer.Resolution?.Candidates.Select(c => c.MetricId) ?? [])} ({answer.Status}: {answer.Headline})");

    /// <summary>Polls until <paramref name="condition"/> holds (bounded); returns how long it took.</summary>
    private static async Task<TimeSpan> PollAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Bound, $"not within {Bound.TotalSeconds} s");
            await Task.Delay(50);
        }

        return clock.Elapsed;
    }
}
