using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tally.Contracts.Events;
using Google.Protobuf;
using Tally.Query.Caching;
using Tally.Query.Service;
using Tally.Query.V1;

namespace Tally.Query.Tests.Caching;

/// <summary>
/// What each bus event frees. Events reach the query service after the change they announce, often after an answer
/// computed from the changed state was cached: such answers must stay, only what the change made stale goes.
/// </summary>
public sealed class AnswerCacheEvictionTests : IDisposable
{
    private readonly MemoryAnswerCache _cache = new(Options.Create(new QueryOptions { CacheSizeLimitBytes = 1 << 20, CacheEntryLifetime = TimeSpan.FromMinutes(5) }));
    private readonly AnswerCacheEviction _eviction;

    public AnswerCacheEvictionTests() =>
        _eviction = new AnswerCacheEviction(_cache, VersionSourceTests.Build(TimeSpan.FromSeconds(1)).Source, NullLogger<AnswerCacheEviction>.Instance);

    public void Dispose() => _cache.Dispose();

    private async Task<bool> HeldAsync(string key) => (await _cache.GetAsync(key, default)).Answer is not null;

    private async Task CacheAsync(string key, int catalogVersion, params string[] metricIds) =>
        await _cache.SetAsync(key, new CachedAnswer(new byte[] { 1, 2, 3 }, DateTimeOffset.UnixEpoch), catalogVersion, [.. metricIds.Select(CacheTags.Metric)], default);

    private static SourceIngested Ingested(IReadOnlyList<string>? figureMetricIds, bool isNew = true) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UnixEpoch,
        SourceId = "ice-annual-report-fy2024-page",
        SnapshotId = new string('a', 64),
        ContentSha256 = new string('a', 64),
        IsNewSnapshot = isNew,
        FigureMetricIds = figureMetricIds,
    };

    [Fact]
    public async Task DefinitionChanged_FreesAnswersOfOlderCatalogs_KeepsOnesAlreadyComputedAtTheNewCatalog()
    {
        await CacheAsync("before-the-change", 11, "ice-removals");
        await CacheAsync("after-the-change", 12, "ice-removals");

        await _eviction.DefinitionChangedAsync(new MetricDefinitionChanged
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UnixEpoch, MetricId = "ice-removals", Version = 3, PreviousVersion = 2, CatalogVersion = 12,
        }, default);

        Assert.False(await HeldAsync("before-the-change"));
        Assert.True(await HeldAsync("after-the-change"));
    }

    [Fact]
    public async Task NewSnapshot_FreesTheMetricsItNames_Only()
    {
        await CacheAsync("removals", 5, "ice-removals");
        await CacheAsync("arrests", 5, "ice-ero-administrative-arrests");
        await CacheAsync("both", 5, "ice-removals", "ice-returns");

        await _eviction.SourceIngestedAsync(Ingested(["ice-removals"]), default);

        Assert.False(await HeldAsync("removals"));
        Assert.False(await HeldAsync("both"));
        Assert.True(await HeldAsync("arrests"));
    }

    [Fact]
    public async Task NewSnapshotThatChangedNoFigures_FreesNothing_ASnapshotSeenBeforeNeither()
    {
        await CacheAsync("removals", 5, "ice-removals");

        await _eviction.SourceIngestedAsync(Ingested([]), default);
        await _eviction.SourceIngestedAsync(Ingested(null, isNew: false), default);

        Assert.True(await HeldAsync("removals"));
    }

    [Fact]
    public async Task NewSnapshotFromAnOlderPublisher_WhichNamesNoMetrics_FreesEverything()
    {
        await CacheAsync("removals", 5, "ice-removals");
        await CacheAsync("untagged", 5);

        await _eviction.SourceIngestedAsync(Ingested(null), default);

        Assert.False(await HeldAsync("removals"));
        Assert.False(await HeldAsync("untagged"));
    }

    [Fact]
    public async Task FiguresExtracted_FreesTheirMetrics_UnlinkedFiguresFreeNothing()
    {
        await CacheAsync("removals", 5, "ice-removals");
        await CacheAsync("arrests", 5, "ice-ero-administrative-arrests");
        var extracted = new FiguresExtracted { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UnixEpoch, SourceId = "s", SnapshotId = "x", FigureCount = 4 };

        await _eviction.FiguresExtractedAsync(extracted, default);
        Assert.True(await HeldAsync("removals"));

        await _eviction.FiguresExtractedAsync(extracted with { MetricIds = ["ice-removals"] }, default);
        Assert.False(await HeldAsync("removals"));
        Assert.True(await HeldAsync("arrests"));
    }
}

/// <summary>Reading an answer's status from its bytes, as the Ask service does for a cached answer it sends unparsed.</summary>
public sealed class AnswerWireTests
{
    [Theory]
    [InlineData(AnswerStatus.Answered)]
    [InlineData(AnswerStatus.NotPublished)]
    [InlineData(AnswerStatus.Unspecified)]
    public void StatusOf_ReadsTheStatusField_PastEveryOtherKindOfField(AnswerStatus status)
    {
        var answer = new Answer
        {
            Status = status,
            Headline = "ICE removed 271,484 people in FY2024.",
            Question = "How many people did ICE remove in fiscal year 2024?",
            FollowUps = { "Removals by country?", "Returns in FY2024?" },
            Resolution = new Resolution(),
            ServedFrom = new ServedFrom { CatalogVersion = 3 },
        };

        Assert.Equal(status, AnswerWire.StatusOf(answer.ToByteArray()));
    }

    [Fact]
    public void StatusOf_ASliceOfALargerBuffer_ReadsOnlyTheSlice()
    {
        var answer = new Answer { Status = AnswerStatus.Partial, Headline = "h" }.ToByteArray();
        var buffer = new byte[] { 9, 9, 9, 9, 9 }.Concat(answer).Concat(new Answer { Status = AnswerStatus.Answered }.ToByteArray()).ToArray();

        Assert.Equal(AnswerStatus.Partial, AnswerWire.StatusOf(buffer.AsMemory(5, answer.Length)));
    }

    [Fact]
    public void StatusOf_AppendedStatus_TheLastOneWins_AsInAParse()
    {
        var bytes = new Answer { Status = AnswerStatus.Answered, Headline = "h" }.ToByteArray()
            .Concat(new Answer { Status = AnswerStatus.NotPublished }.ToByteArray()).ToArray();

        Assert.Equal(Answer.Parser.ParseFrom(bytes).Status, AnswerWire.StatusOf(bytes));
        Assert.Equal(AnswerStatus.NotPublished, AnswerWire.StatusOf(bytes));
    }
}
