using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using Tally.Definitions.V1;
using Tally.Grpc;
using Tally.Query.V1;

namespace Tally.Bench.Ask;

/// <summary>
/// Ask against Tally in distributed mode (`make up`: four processes, RabbitMQ, PostgreSQL, Redis answer cache), through
/// the query service's gRPC port:
/// <list type="bullet">
/// <item>per question, one call at a time: computed (skip_cache) and Redis hit latency, p50/p99;</item>
/// <item>64 calls in flight for a fixed time: throughput and p50/p99 of Redis hits, and of computed answers;</item>
/// <item>a repeated-question workload from a cold cache (64 in flight over the questions): the hit ratio, from the
/// answers' servedFrom;</item>
/// <item>event propagation: a definition change (UpsertMetric) until its cached answer is gone from Redis (evicted by
/// the query service on MetricDefinitionChanged over RabbitMQ).</item>
/// </list>
/// Targets (issue 4): cache-hit p50 ≤ 1 ms at the service, ≥ 10k answers/s at 64 in flight.
/// </summary>
internal static class DistributedAskBenchmark
{
    public const string Usage =
        "usage: Tally.Bench ask-distributed --query http://127.0.0.1:7400 --definitions http://127.0.0.1:7420 --redis 127.0.0.1:6391 " +
        "[--query-metrics http://127.0.0.1:7401/metrics] [--key-prefix tally:answers:] [--duration 10] [--concurrency 64] [--iterations 200] [--warmup 10] [--propagation-samples 7] [--out DIR]";

    private static readonly string[] Questions =
    [
        "How many people did ICE remove in fiscal year 2024?",
        "How many wrongful deportation cases were reported to DHS in 2024?",
        "How many deportable immigrants with criminal convictions does ICE release each year?",
        "How many immigrants with criminal convictions are on ICE's docket?",
        "How many people did ICE deport in 2024?",
        "How many ICE ERO administrative arrests were there in FY2024?",
        "How many at-large arrests did ICE make in FY2024?",
        "How many noncitizens did Immigration and Customs Enforcement remove during fiscal year 2024?",
    ];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <param name="Errors">Calls that failed.</param>
    /// <param name="Other">Answers not served as asked: computed although cached (a Redis read slower than Tally:Cache:Timeout
    /// is a counted bypass), or cached although skip_cache.</param>
    private sealed record Stats(long Calls, double Seconds, double PerSecond, double P50Ms, double P99Ms, long Errors, long Other = 0, double? Max = null);

    /// <param name="ServiceHitP50Ms">The hits' p50 as the query service measured them (grpc_server_handling_seconds for Ask,
    /// interpolated within a bucket as Prometheus's histogram_quantile does); null without --query-metrics.</param>
    private sealed record QuestionRow(string Question, Stats Computed, Stats RedisHit, double? ServiceHitP50Ms);

    public static async Task<int> RunAsync(string[] args)
    {
        string? query = null, definitions = null, redis = null, queryMetrics = null;
        var prefix = "tally:answers:";
        var duration = TimeSpan.FromSeconds(10);
        var concurrency = 64;
        var iterations = 200;
        var warmup = TimeSpan.FromSeconds(10);
        var propagationSamples = 7;
        var outDir = Path.Combine(Environment.CurrentDirectory, "bench", "results");
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (args[i])
            {
                case "--query": query = Next(); break;
                case "--definitions": definitions = Next(); break;
                case "--redis": redis = Next(); break;
                case "--query-metrics": queryMetrics = Next(); break;
                case "--key-prefix": prefix = Next(); break;
                case "--duration": duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--concurrency": concurrency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--iterations": iterations = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--propagation-samples": propagationSamples = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--out": outDir = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'. {Usage}");
            }
        }

        if (query is null || definitions is null || redis is null)
        {
            throw new ArgumentException($"--query, --definitions and --redis are required. {Usage}");
        }

        using var queryChannel = GrpcChannel.ForAddress(query);
        using var definitionsChannel = GrpcChannel.ForAddress(definitions);
        using var redisClient = await ConnectionMultiplexer.ConnectAsync(redis);
        var client = new QueryService.QueryServiceClient(queryChannel.CreateCallInvoker());
        var db = redisClient.GetDatabase();

        // 0. warm-up, not measured: freshly started processes JIT and re-JIT (tiered compilation) their hot paths for many
        // seconds; what a newsroom meets is the steady state.
        foreach (var question in Questions.Take(4))
        {
            await client.AskAsync(new AskRequest { Question = question });
        }

        await ClosedLoopAsync(client, concurrency, warmup / 2, skipCache: false, expect: ServedFrom.Types.Kind.Cache);
        await ClosedLoopAsync(client, concurrency, warmup / 2, skipCache: true, expect: ServedFrom.Types.Kind.Computed);
        Console.WriteLine($"  warm-up: {warmup.TotalSeconds:0} s at {concurrency} in flight (hits, then computed), not measured");

        // 1. one call at a time, per question: computed, then from Redis.
        var rows = new List<QuestionRow>();
        foreach (var question in Questions.Take(4))
        {
            await client.AskAsync(new AskRequest { Question = question, SkipCache = true }); // JIT, registry, connections
            var computed = await SequentialAsync(client, question, skipCache: true, Math.Max(10, iterations / 4));
            var before = await ServerAskHistogram.ScrapeAsync(queryMetrics);
            var hit = await SequentialAsync(client, question, skipCache: false, iterations);
            var p50 = ServerAskHistogram.Between(before, await ServerAskHistogram.ScrapeAsync(queryMetrics))?.Quantile(0.5);
            double? atService = p50 is { } seconds && !double.IsNaN(seconds) ? seconds * 1000 : null;
            rows.Add(new QuestionRow(question, computed, hit, atService));
            Console.WriteLine($"  {question}: computed p50 {computed.P50Ms:0.00} ms, Redis hit p50 {hit.P50Ms:0.00} ms (at the service {atService:0.000} ms)");
        }

        // 2. 64 in flight: Redis hits (every question cached above), then computed.
        var hits = await ClosedLoopAsync(client, concurrency, duration, skipCache: false, expect: ServedFrom.Types.Kind.Cache);
        Console.WriteLine($"  {concurrency} in flight, Redis hits: {hits.PerSecond:0} answers/s, p50 {hits.P50Ms:0.00} ms");
        var computedLoad = await ClosedLoopAsync(client, concurrency, duration / 2, skipCache: true, expect: ServedFrom.Types.Kind.Computed);
        Console.WriteLine($"  {concurrency} in flight, computed: {computedLoad.PerSecond:0} answers/s, p50 {computedLoad.P50Ms:0.00} ms");

        // 3. hit ratio of a repeated-question workload from a cold cache: every answer is dropped first (a catalog change).
        var definitionsClient = new MetricDefinitionService.MetricDefinitionServiceClient(definitionsChannel.CreateCallInvoker());
        var propagationMs = new double[propagationSamples];
        var changedMetric = "";
        for (var i = 0; i < propagationSamples; i++)
        {
            (var elapsed, changedMetric) = await PropagationAsync(client, definitionsClient, db, prefix);
            propagationMs[i] = elapsed.TotalMilliseconds;
        }

        var propagation = Summarise(propagationMs, 1, 0) with { Max = propagationMs.Max() };
        Console.WriteLine($"  definition change to Redis eviction, {propagationSamples} changes: p50 {propagation.P50Ms:0.0} ms, max {propagation.Max:0.0} ms ({changedMetric})");
        var (ratio, served) = await HitRatioAsync(client, concurrency, duration);
        Console.WriteLine($"  repeated questions ({Questions.Length}), {concurrency} in flight: hit ratio {ratio:P1} of {served} answers");

        Report(outDir, query, concurrency, duration, rows, hits, computedLoad, ratio, served, propagation);
        return 0;
    }

    private static async Task<Stats> SequentialAsync(QueryService.QueryServiceClient client, string question, bool skipCache, int calls)
    {
        var samples = new double[calls];
        var request = new AskRequest { Question = question, SkipCache = skipCache };
        var total = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            var t = Stopwatch.GetTimestamp();
            var answer = await client.AskAsync(request);
            samples[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            if (!skipCache && answer.ServedFrom.Store != ServedFrom.Types.Store.Redis)
            {
                throw new InvalidOperationException($"expected a Redis hit for '{question}', got {answer.ServedFrom}");
            }
        }

        return Summarise(samples, total.Elapsed.TotalSeconds, 0);
    }

    private static async Task<Stats> ClosedLoopAsync(QueryService.QueryServiceClient client, int concurrency, TimeSpan duration, bool skipCache, ServedFrom.Types.Kind expect)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var samples = new List<double>[concurrency];
        var errors = new long[concurrency];
        var other = new long[concurrency];
        var start = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            samples[w] = new List<double>(16 * 1024);
            for (var n = w; Stopwatch.GetTimestamp() < end; n++)
            {
                var t = Stopwatch.GetTimestamp();
                try
                {
                    var answer = await client.AskAsync(new AskRequest { Question = Questions[n % 4], SkipCache = skipCache });
                    samples[w].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    if (answer.ServedFrom.Kind != expect)
                    {
                        other[w]++;
                    }
                }
                catch (RpcException)
                {
                    errors[w]++;
                }
            }
        })));
        return Summarise([.. samples.SelectMany(s => s)], start.Elapsed.TotalSeconds, errors.Sum()) with { Other = other.Sum() };
    }

    private static async Task<(double Ratio, long Served)> HitRatioAsync(QueryService.QueryServiceClient client, int concurrency, TimeSpan duration)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long hits = 0, served = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (Stopwatch.GetTimestamp() < end)
            {
                var answer = await client.AskAsync(new AskRequest { Question = Questions[random.Next(Questions.Length)] });
                Interlocked.Increment(ref served);
                if (answer.ServedFrom.Kind == ServedFrom.Types.Kind.Cache)
                {
                    Interlocked.Increment(ref hits);
                }
            }
        })));
        return (served == 0 ? 0 : (double)hits / served, served);
    }

    /// <summary>Caches an answer, changes a definition (a new alias), and times until the answer's key is gone from Redis.</summary>
    private static async Task<(TimeSpan Elapsed, string Metric)> PropagationAsync(
        QueryService.QueryServiceClient client, MetricDefinitionService.MetricDefinitionServiceClient definitions, IDatabase db, string prefix)
    {
        var question = Questions[1];
        await client.AskAsync(new AskRequest { Question = question });
        var cached = await client.AskAsync(new AskRequest { Question = question });
        if (!await db.KeyExistsAsync(prefix + cached.ServedFrom.CacheKey))
        {
            throw new InvalidOperationException($"the answer is not in Redis under {prefix}{cached.ServedFrom.CacheKey}; is --key-prefix right?");
        }

        const string metricId = "wrongful-deportations-reported-to-dhs";
        var metric = (await definitions.GetMetricAsync(new GetMetricRequest { MetricId = metricId })).Metric;
        var changed = metric.Clone();
        changed.Aliases.Add($"benchmark alias {DateTime.UtcNow:yyyyMMddHHmmssfff}");
        var clock = Stopwatch.StartNew();
        await definitions.UpsertMetricAsync(new UpsertMetricRequest { Metric = changed, ExpectedVersion = metric.Version, ChangedBy = "bench", ChangeNote = "event propagation benchmark" });
        while (await db.KeyExistsAsync(prefix + cached.ServedFrom.CacheKey))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException("the cached answer was not evicted within 30 s of the definition change.");
            }

            await Task.Delay(1);
        }

        return (clock.Elapsed, $"{metricId} v{metric.Version} -> v{metric.Version + 1}");
    }

    /// <summary>The Ask histogram of the query service's /metrics (cumulative counts per bucket bound).</summary>
    private sealed record ServerAskHistogram(SortedDictionary<double, double> Cumulative)
    {
        public static async Task<ServerAskHistogram?> ScrapeAsync(string? url)
        {
            if (url is null)
            {
                return null;
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = await http.GetStringAsync(url);
            var buckets = new SortedDictionary<double, double>();
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith("grpc_server_handling_seconds_bucket{", StringComparison.Ordinal) || !line.Contains("grpc_method=\"Ask\"", StringComparison.Ordinal))
                {
                    continue;
                }

                var le = line[(line.IndexOf("le=\"", StringComparison.Ordinal) + 4)..];
                le = le[..le.IndexOf('"', StringComparison.Ordinal)];
                var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                var count = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                buckets[bound] = buckets.GetValueOrDefault(bound) + count; // summed over status codes and other labels
            }

            return new ServerAskHistogram(buckets);
        }

        public static ServerAskHistogram? Between(ServerAskHistogram? before, ServerAskHistogram? after) =>
            before is null || after is null ? null
                : new ServerAskHistogram(new SortedDictionary<double, double>(after.Cumulative.ToDictionary(kv => kv.Key, kv => kv.Value - before.Cumulative.GetValueOrDefault(kv.Key))));

        /// <summary>The q-quantile in seconds, linear within the bucket it falls in (NaN when nothing was counted).</summary>
        public double Quantile(double q)
        {
            var total = Cumulative.GetValueOrDefault(double.PositiveInfinity);
            if (total <= 0)
            {
                return double.NaN;
            }

            var rank = q * total;
            var (lower, below) = (0d, 0d);
            foreach (var (bound, count) in Cumulative)
            {
                if (count >= rank)
                {
                    return double.IsPositiveInfinity(bound) ? lower : lower + ((bound - lower) * (rank - below) / Math.Max(count - below, 1e-9));
                }

                (lower, below) = (bound, count);
            }

            return lower;
        }
    }

    private static Stats Summarise(double[] samples, double seconds, long errors)
    {
        Array.Sort(samples);
        double P(double p) => samples.Length == 0 ? double.NaN : samples[Math.Clamp((int)Math.Ceiling(p * samples.Length) - 1, 0, samples.Length - 1)];
        return new Stats(samples.Length, seconds, samples.Length / seconds, P(0.50), P(0.99), errors);
    }

    private static void Report(string outDir, string query, int concurrency, TimeSpan duration, List<QuestionRow> rows, Stats hits, Stats computed,
        double ratio, long served, Stats propagation)
    {
        Directory.CreateDirectory(outDir);
        var stamp = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Distributed Ask benchmark, {stamp}");
        md.AppendLine();
        md.Append(CultureInfo.InvariantCulture, $"Distributed mode (`make up`: four Release processes, PostgreSQL, RabbitMQ, Redis answer cache) on loopback; the query service at {query}; ");
        md.Append(CultureInfo.InvariantCulture, $"latency measured by the client (the bench shares the machine: {Environment.ProcessorCount} cores, load average {load} at the end). ");
        md.AppendLine("The query service holds the catalog and dataset versions for its cache keys (Tally:Query:VersionMaxAge, default 1 s, refreshed ahead in the background; docs/adr/0001), so a hit makes no call to another service.");
        md.AppendLine();
        md.AppendLine("Measured after a warm-up (hits, then computed answers, at the concurrency below; not counted), so the numbers are the steady state, not the JIT's first seconds.");
        md.AppendLine();
        md.AppendLine("One call at a time:");
        md.AppendLine();
        md.AppendLine("| question | computed p50 | computed p99 | Redis hit p50 | Redis hit p99 | hit p50 at the service | hit p50 ≤ 1 ms at the service |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var atService = r.ServiceHitP50Ms is { } ms ? $"{ms:0.000} ms" : "not scraped";
            var met = (r.ServiceHitP50Ms ?? r.RedisHit.P50Ms) <= 1 ? "met" : "missed";
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Question} | {r.Computed.P50Ms:0.00} ms | {r.Computed.P99Ms:0.00} ms | {r.RedisHit.P50Ms:0.00} ms | {r.RedisHit.P99Ms:0.00} ms | {atService} | {met} |");
        }

        md.AppendLine();
        md.AppendLine("\"At the service\": the query service's own grpc_server_handling_seconds{grpc_method=\"Ask\"} histogram, scraped before and after " +
            "the hits, p50 interpolated within its bucket (buckets 0.1, 0.25, 0.5, 0.75, 1 ms, …); the client columns add the client and the loopback.");

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{concurrency} calls in flight, {duration.TotalSeconds:0} s (computed: {duration.TotalSeconds / 2:0} s), four questions in turn:");
        md.AppendLine();
        md.AppendLine("| asked for | answers/s | p50 | p99 | answers | errors | not served as asked | ≥ 10k answers/s |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Redis hit | {hits.PerSecond:0} | {hits.P50Ms:0.00} ms | {hits.P99Ms:0.00} ms | {hits.Calls} | {hits.Errors} | {hits.Other} | {(hits.PerSecond >= 10_000 ? "met" : "missed")} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| computed (skip_cache) | {computed.PerSecond:0} | {computed.P50Ms:0.00} ms | {computed.P99Ms:0.00} ms | {computed.Calls} | {computed.Errors} | {computed.Other} | |");
        md.AppendLine();
        md.AppendLine("\"Not served as asked\" in the Redis-hit row: answers computed because Redis did not answer within Tally:Cache:Timeout (default 100 ms) " +
            "on the loaded machine; each is a counted bypass (tally_cache_bypass_total), never an error.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Repeated questions ({Questions.Length} distinct, uniformly at random, {concurrency} in flight, {duration.TotalSeconds:0} s) right after a definition change emptied the cache: hit ratio **{ratio:P1}** of {served} answers.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Event propagation, UpsertMetric returned → MetricDefinitionChanged over RabbitMQ → the answer's key gone from Redis, {propagation.Calls} changes one after another: p50 **{propagation.P50Ms:0.0} ms**, max {propagation.Max:0.0} ms (polled every 1 ms).");

        var mdPath = Path.Combine(outDir, $"ask-distributed-{stamp}.md");
        File.WriteAllText(mdPath, md.ToString());
        File.WriteAllText(Path.Combine(outDir, $"ask-distributed-{stamp}.json"),
            JsonSerializer.Serialize(new { date = stamp, load, concurrency, durationSeconds = duration.TotalSeconds, rows, hits, computed, hitRatio = ratio, served, propagationP50Ms = propagation.P50Ms, propagationMaxMs = propagation.Max }, Indented));
        Console.WriteLine(md.ToString());
        Console.WriteLine($"written: {mdPath}");
    }
}
