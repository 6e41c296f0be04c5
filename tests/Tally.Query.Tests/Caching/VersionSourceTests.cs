using Google.Protobuf;
using Microsoft.Extensions.Options;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.Query.Caching;

namespace Tally.Query.Tests.Caching;

/// <summary>
/// How long the query service trusts the catalog and dataset versions in its cache keys (docs/adr/0001): reused up
/// to VersionMaxAge, re-read ahead of expiry in the background, forgotten at once on an event, one read shared by
/// concurrent requests, and a read that raced an event never kept.
/// </summary>
public sealed class VersionSourceTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task ZeroMaxAge_EveryRequestReadsTheVersions()
    {
        var (source, peer, _) = Build(TimeSpan.Zero);
        await source.GetAsync(CancellationToken.None);
        await source.GetAsync(CancellationToken.None);
        Assert.Equal(2, peer.Reads);
        Assert.Equal(2, source.Reads);
    }

    [Fact]
    public async Task WithinMaxAge_StampReusedWithoutAnyCall()
    {
        var (source, peer, clock) = Build(MaxAge);
        Assert.Equal(7, (await source.GetAsync(CancellationToken.None)).CatalogVersion);
        peer.CatalogVersion = 8;
        clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(7, (await source.GetAsync(CancellationToken.None)).CatalogVersion);
        Assert.Equal(1, peer.Reads);
    }

    [Fact]
    public async Task Invalidate_NextRequestReadsTheNewVersion()
    {
        var (source, peer, _) = Build(MaxAge);
        await source.GetAsync(CancellationToken.None);
        peer.CatalogVersion = 8;
        source.Invalidate();
        Assert.Equal(8, (await source.GetAsync(CancellationToken.None)).CatalogVersion);
        Assert.Equal(2, peer.Reads);
    }

    [Fact]
    public async Task SawANewerCatalog_TheHeldStampIsForgotten_AnOlderOrEqualOneKeepsIt()
    {
        var (source, peer, _) = Build(MaxAge);
        await source.GetAsync(CancellationToken.None);
        peer.CatalogVersion = 8;

        source.Saw(7); // what the stamp already says: nothing to learn
        Assert.Equal(7, (await source.GetAsync(CancellationToken.None)).CatalogVersion);
        Assert.Equal(1, peer.Reads);

        source.Saw(8); // an answer resolved at 8 before the change's event arrived
        Assert.Equal(8, (await source.GetAsync(CancellationToken.None)).CatalogVersion);
        Assert.Equal(2, peer.Reads);
    }

    [Fact]
    public async Task PastHalfTheAge_RequestKeepsTheStampAndARereadStartsBehindIt()
    {
        var (source, peer, clock) = Build(MaxAge);
        await source.GetAsync(CancellationToken.None);
        peer.CatalogVersion = 8;
        peer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        clock.Advance(TimeSpan.FromMilliseconds(600));

        var served = await source.GetAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, served.CatalogVersion); // answered while the re-read is still held at the gate
        peer.Gate.SetResult();

        Assert.True(await EventuallyAsync(async () => (await source.GetAsync(CancellationToken.None)).CatalogVersion == 8),
            "the background re-read never replaced the stamp");
        Assert.Equal(2, peer.Reads);
    }

    [Fact]
    public async Task PastTheAge_RequestWaitsForAFreshRead()
    {
        var (source, peer, clock) = Build(MaxAge);
        await source.GetAsync(CancellationToken.None);
        peer.CatalogVersion = 9;
        clock.Advance(TimeSpan.FromMilliseconds(1001));
        Assert.Equal(9, (await source.GetAsync(CancellationToken.None)).CatalogVersion);
    }

    [Fact]
    public async Task ConcurrentRequestsOnAnExpiredStamp_ShareOneRead()
    {
        var (source, peer, _) = Build(MaxAge);
        peer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = Enumerable.Range(0, 20).Select(_ => source.GetAsync(CancellationToken.None)).ToList();
        peer.Gate.SetResult();
        var stamps = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(stamps, s => Assert.Equal(7, s.CatalogVersion));
        Assert.Equal(1, peer.Reads);
    }

    [Fact]
    public async Task ReadThatRacedAnInvalidation_IsUsedOnceButNotKept()
    {
        var (source, peer, _) = Build(MaxAge);
        peer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racing = source.GetAsync(CancellationToken.None);
        Assert.True(await EventuallyAsync(() => Task.FromResult(peer.Started == 1)), "the read never started");

        peer.CatalogVersion = 8; // the definition changed while the read was under way; the event arrives
        source.Invalidate();
        peer.Gate.SetResult();
        Assert.Equal(7, (await racing.WaitAsync(TimeSpan.FromSeconds(10))).CatalogVersion);

        Assert.Equal(8, (await source.GetAsync(CancellationToken.None)).CatalogVersion);
        Assert.Equal(2, peer.Reads);
    }

    [Fact]
    public async Task RequestAfterAnInvalidation_NeverJoinsAReadBegunBeforeIt()
    {
        var (source, peer, _) = Build(MaxAge);
        peer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racing = source.GetAsync(CancellationToken.None);
        Assert.True(await EventuallyAsync(() => Task.FromResult(peer.Started == 1)), "the read never started");

        peer.CatalogVersion = 8; // the change commits and its event arrives while the first read is still under way
        source.Invalidate();
        var after = source.GetAsync(CancellationToken.None);
        Assert.True(await EventuallyAsync(() => Task.FromResult(peer.Started == 2)), "the request after the event did not read again");
        peer.Gate.SetResult();

        Assert.Equal(7, (await racing.WaitAsync(TimeSpan.FromSeconds(10))).CatalogVersion);
        Assert.Equal(8, (await after.WaitAsync(TimeSpan.FromSeconds(10))).CatalogVersion);
        Assert.Equal(8, (await source.GetAsync(CancellationToken.None)).CatalogVersion); // the newer read is the one kept
        Assert.Equal(2, peer.Reads);
    }

    [Fact]
    public async Task FailedRead_ReachesTheWaitingRequestAndTheNextRequestReadsAgain()
    {
        var (source, peer, _) = Build(MaxAge);
        peer.Failure = new RpcException(new Status(StatusCode.Unavailable, "definitions is down"));
        var failure = await Assert.ThrowsAsync<RpcException>(() => source.GetAsync(CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);

        peer.Failure = null;
        Assert.Equal(7, (await source.GetAsync(CancellationToken.None)).CatalogVersion);
    }

    [Fact]
    public async Task DatasetVintages_AreInTheStamp()
    {
        var (source, peer, _) = Build(MaxAge);
        peer.Datasets.Add(new Dataset { Id = "ice-book-outs", Vintages = { new DatasetVintage { Vintage = "2023-09-30" } } });
        var stamp = await source.GetAsync(CancellationToken.None);
        Assert.Equal("2023-09-30", stamp.DataVersions["ice-book-outs"]);
    }

    internal static (VersionSource Source, VersionPeer Peer, ManualClock Clock) Build(TimeSpan maxAge)
    {
        var peer = new VersionPeer();
        var clock = new ManualClock();
        var options = Options.Create(new QueryOptions { VersionMaxAge = maxAge, CallTimeout = TimeSpan.FromSeconds(10) });
        var source = new VersionSource(
            new MetricDefinitionService.MetricDefinitionServiceClient(peer),
            new IngestionService.IngestionServiceClient(peer),
            options,
            clock);
        return (source, peer, clock);
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(10);
        }

        return false;
    }

    /// <summary>A clock the test moves by hand.</summary>
    internal sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    /// <summary>
    /// Stands in for the definitions and ingestion services' version reads (ListMetrics, ListDatasets): what they say,
    /// how often they were asked, and a gate to hold a read in flight.
    /// </summary>
    internal sealed class VersionPeer : CallInvoker
    {
        private int _reads;
        private int _started;

        public int CatalogVersion { get; set; } = 7;

        public List<Dataset> Datasets { get; } = [];

        public TaskCompletionSource? Gate { get; set; }

        public RpcException? Failure { get; set; }

        /// <summary>Completed ListMetrics calls (one per version read).</summary>
        public int Reads => Volatile.Read(ref _reads);

        /// <summary>ListMetrics calls begun.</summary>
        public int Started => Volatile.Read(ref _started);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            new(AnswerAsync<TResponse>(method.Name), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

        private async Task<TResponse> AnswerAsync<TResponse>(string method)
        {
            await Task.Yield();
            IMessage response;
            if (method == "ListMetrics")
            {
                Interlocked.Increment(ref _started);
                var version = CatalogVersion; // what the server saw; the answer may reach the caller later
                if (Gate is { } gate)
                {
                    await gate.Task;
                }

                if (Failure is { } failure)
                {
                    throw failure;
                }

                Interlocked.Increment(ref _reads);
                response = new ListMetricsResponse { CatalogVersion = version };
            }
            else
            {
                response = new ListDatasetsResponse { Datasets = { Datasets } };
            }

            return (TResponse)response;
        }

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException(method.FullName);

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException(method.FullName);

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException(method.FullName);
    }
}
