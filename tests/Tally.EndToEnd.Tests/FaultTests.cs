using System.Collections.Concurrent;
using System.Diagnostics;
using Tally.EndToEnd.Tests.Support;
using Tally.Grpc;
using Tally.Query.V1;
using Xunit.Abstractions;

namespace Tally.EndToEnd.Tests;

/// <summary>
/// Faults on the real processes: a frozen Redis degrades to computing (counted, never an error); a service killed in
/// the middle of requests makes its callers fail with UNAVAILABLE, promptly, never a hang.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class FaultTests(DistributedTally fx, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(20);
    private const string RemovalsQuestion = "How many people did ICE remove in fiscal year 2024?";

    private static readonly string[] Questions =
    [
        RemovalsQuestion,
        "How many people did ICE deport in 2024?",
        "How many ICE ERO administrative arrests were there in FY2024?",
        "How many wrongful deportation cases were reported to DHS in 2024?",
    ];

    [EndToEndFact]
    public async Task FrozenRedis_QueriesKeepAnswering_BypassesAreCounted_TheCacheIsUsedAgainAfterItThaws()
    {
        var query = fx.QueryClient(fx.Query);
        await query.AskAsync(new AskRequest { Question = RemovalsQuestion }, deadline: DateTime.UtcNow + CallDeadline);
        var cached = await query.AskAsync(new AskRequest { Question = RemovalsQuestion }, deadline: DateTime.UtcNow + CallDeadline);
        Assert.Equal(ServedFrom.Types.Store.Redis, cached.ServedFrom.Store);
        var bypassesBefore = await fx.Query.CounterAsync("tally_cache_bypass_total");

        var answers = new List<Answer>();
        fx.Redis.Freeze();
        try
        {
            foreach (var question in Questions.Append(RemovalsQuestion))
            {
                answers.Add(await query.AskAsync(new AskRequest { Question = question }, deadline: DateTime.UtcNow + CallDeadline));
            }
        }
        finally
        {
            fx.Redis.Thaw();
        }

        Assert.All(answers, a => Assert.Equal(ServedFrom.Types.Kind.Computed, a.ServedFrom.Kind));
        Assert.Equal(271484d, answers[0].Figures[0].Value);
        Assert.Equal(cached.Headline, answers[^1].Headline);
        Assert.Contains(answers, a => a.ServedFrom.CacheBypassed);
        var bypassesAfter = await fx.Query.CounterAsync("tally_cache_bypass_total");
        output.WriteLine($"tally_cache_bypass_total {bypassesBefore} -> {bypassesAfter}; bypassed: {answers.Count(a => a.ServedFrom.CacheBypassed)} of {answers.Count}");
        Assert.True(bypassesAfter >= bypassesBefore + answers.Count(a => a.ServedFrom.CacheBypassed), $"bypasses {bypassesBefore} -> {bypassesAfter}");
        Assert.True(bypassesAfter > bypassesBefore);

        // Thawed: the cache is read and written again (after the breaker closes and any reconnect).
        var clock = Stopwatch.StartNew();
        Answer again;
        do
        {
            await Task.Delay(100);
            again = await query.AskAsync(new AskRequest { Question = RemovalsQuestion }, deadline: DateTime.UtcNow + CallDeadline);
        }
        while (again.ServedFrom.Store != ServedFrom.Types.Store.Redis && clock.Elapsed < Bound);

        output.WriteLine($"served from Redis again {clock.Elapsed.TotalMilliseconds:0} ms after the thaw");
        Assert.Equal(ServedFrom.Types.Store.Redis, again.ServedFrom.Store);
    }

    [EndToEndFact]
    public async Task DefinitionsKilledMidRequest_QueryCallersGetUnavailableNamingTheAddress_NeverAHang()
    {
        var definitions = await fx.StartAsync("definitions", "definitions-k");
        var query = await fx.StartAsync("query", "query-k", new() { ["Tally__Services__Definitions"] = definitions.Address });

        var (inFlight, after) = await KillUnderLoadAsync(fx.QueryClient(query), definitions);

        Assert.All(after, o => Assert.Contains($"127.0.0.1:{definitions.GrpcPort}", o.Detail, StringComparison.Ordinal));
        Assert.NotEmpty(inFlight);
        Assert.False(query.HasExited, "the query process must survive the loss of a service it calls");
    }

    [EndToEndFact]
    public async Task QueryKilledMidRequest_CallersGetUnavailable_NeverAHang()
    {
        // The query process's own definitions service is frozen just before the kill, so that every caller's request is
        // certainly inside the query process (waiting on definitions) when it dies.
        var definitions = await fx.StartAsync("definitions", "definitions-k2");
        var query = await fx.StartAsync("query", "query-k2", new() { ["Tally__Services__Definitions"] = definitions.Address });

        var (inFlight, _) = await KillUnderLoadAsync(fx.QueryClient(query), query, beforeKill: async () =>
        {
            definitions.Freeze();
            await Task.Delay(1000);
        });
        definitions.Thaw();

        Assert.NotEmpty(inFlight);
        Assert.All(inFlight, o => Assert.Equal(StatusCode.Unavailable, o.Code));
    }

    private sealed record Outcome(DateTime Started, DateTime Ended, StatusCode Code, string Detail);

    /// <summary>
    /// Eight callers ask without the cache (so each request reaches the services behind the query front) until enough have
    /// succeeded, then (after <paramref name="beforeKill"/>) <paramref name="victim"/> is killed (SIGKILL) and they go on
    /// for two seconds. Every call must end
    /// OK or UNAVAILABLE before its deadline; calls started after the kill (and after the calls in flight during it ended)
    /// must all be UNAVAILABLE. Returns the calls that were in flight during the kill and those started after it.
    /// </summary>
    private async Task<(List<Outcome> InFlight, List<Outcome> After)> KillUnderLoadAsync(
        QueryService.QueryServiceClient client, ServiceProcess victim, Func<Task>? beforeKill = null)
    {
        var outcomes = new ConcurrentQueue<Outcome>();
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            for (var n = i; !stop.IsCancellationRequested; n++)
            {
                var started = DateTime.UtcNow;
                try
                {
                    await client.AskAsync(new AskRequest { Question = Questions[n % Questions.Length], SkipCache = true }, deadline: started + CallDeadline);
                    outcomes.Enqueue(new Outcome(started, DateTime.UtcNow, StatusCode.OK, string.Empty));
                }
                catch (RpcException e)
                {
                    outcomes.Enqueue(new Outcome(started, DateTime.UtcNow, e.StatusCode, e.Status.Detail));
                    await Task.Delay(20);
                }
            }
        })).ToList();

        var warm = Stopwatch.StartNew();
        while (outcomes.Count(o => o.Code == StatusCode.OK) < 16)
        {
            Assert.True(warm.Elapsed < TimeSpan.FromSeconds(120), $"fewer than 16 answers before the kill: {Describe(outcomes)}");
            Assert.DoesNotContain(outcomes, o => o.Code != StatusCode.OK);
            await Task.Delay(50);
        }

        if (beforeKill is not null)
        {
            await beforeKill();
        }

        var killStarted = DateTime.UtcNow;
        victim.Kill();
        var killed = DateTime.UtcNow;
        await Task.Delay(2000);
        await stop.CancelAsync();
        await Task.WhenAll(callers).WaitAsync(CallDeadline + TimeSpan.FromSeconds(30)); // no caller hangs

        var all = outcomes.ToList();
        var inFlight = all.Where(o => o.Started < killStarted && o.Ended > killStarted).ToList();
        // A request that arrives while an identical one is still being answered joins it (single flight), and that answer
        // may have read everything it needed before the kill: OK is right for it. "After" starts once every call in flight
        // during the kill has ended, so no computation begun before the kill is left to join.
        var settled = inFlight.Select(o => o.Ended).Append(killed).Max();
        var after = all.Where(o => o.Started > settled).ToList();
        output.WriteLine($"{victim.Name} killed; {all.Count} calls: {Describe(all)}; in flight during the kill: {Describe(inFlight)}; started after: {Describe(after)}");
        output.WriteLine(after.FirstOrDefault()?.Detail ?? "(none started after the kill)");

        Assert.All(all, o => Assert.True(o.Code is StatusCode.OK or StatusCode.Unavailable, $"{o.Code}: {o.Detail}"));
        Assert.NotEmpty(after);
        Assert.All(after, o => Assert.Equal(StatusCode.Unavailable, o.Code));
        Assert.All(all, o => Assert.True(o.Ended - o.Started < CallDeadline, $"a call took {(o.Ended - o.Started).TotalSeconds:0.0} s"));
        return (inFlight, after);
    }

    private static string Describe(IEnumerable<Outcome> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o.Code).Select(g => $"{g.Key} x{g.Count()}"));
}
