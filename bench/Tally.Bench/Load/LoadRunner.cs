using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tally.Grpc;
using Tally.Ingestion.V1;
using Tally.Query.V1;

namespace Tally.Bench.Load;

/// <summary>
/// `Tally.Bench load`: the mixed workload against one running Tally (embedded or distributed), closed loop: N workers,
/// each starting its next call when the last one returned, for warm-up + duration. Calls started in the warm-up are not
/// counted (their errors are, and fail the run like any other). Memory of the given server processes is sampled from
/// the start to the end. Writes the result as JSON (--json); `load-report` renders the Markdown.
/// </summary>
internal static class LoadRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = LoadOptions.Parse(args, Environment.GetEnvironmentVariable);
        // Ctrl-C or a TERM (make interrupted, the script's trap): stop the workers, then write what was measured.
        using var interrupt = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupt.Cancel();
        }

        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var result = await RunAsync(options, interrupt.Token);
        var path = Path.GetFullPath(options.Json!);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, LoadResult.Json));
        Console.WriteLine(Summary(result));
        Console.WriteLine($"load: result written to {path}");
        return result.Passed ? 0 : 1;
    }

    private sealed class WorkerStats
    {
        public readonly LatencyHistogram[] Latency = Enum.GetValues<Operation>().Select(_ => new LatencyHistogram()).ToArray();
        public readonly long[] FromCache = new long[Enum.GetValues<Operation>().Length];
    }

    /// <summary>Failed calls under one key, and up to three distinct messages (the first ones seen).</summary>
    private sealed class ErrorTally
    {
        private readonly List<string> _examples = [];
        public long Count;

        public void Add(string message)
        {
            Interlocked.Increment(ref Count);
            lock (_examples)
            {
                if (_examples.Count < 3 && !_examples.Contains(message))
                {
                    _examples.Add(message);
                }
            }
        }

        public string Examples
        {
            get
            {
                lock (_examples)
                {
                    return string.Join(" / ", _examples);
                }
            }
        }
    }

    public static async Task<LoadResult> RunAsync(LoadOptions options, CancellationToken interrupted)
    {
        ArgumentNullException.ThrowIfNull(options);
        var runTag = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + options.Mode;
        using var queryChannel = GrpcChannel.ForAddress(options.Query!);
        using var ingestionChannel = options.Ingestion == options.Query ? null : GrpcChannel.ForAddress(options.Ingestion!);
        var headers = Headers(options.Token);
        CallOptions Call() => new(headers, DateTime.UtcNow + options.CallTimeout, interrupted);
        var workload = new LoadWorkload(
            new QueryService.QueryServiceClient(queryChannel.CreateCallInvoker()),
            new IngestionService.IngestionServiceClient((ingestionChannel ?? queryChannel).CreateCallInvoker()),
            runTag, Call);

        var machineStart = Machine(options.LoadBefore);
        var startedUtc = DateTime.UtcNow;
        var freq = (double)Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var measureStart = start + (long)(options.Warmup.TotalSeconds * freq);
        var end = measureStart + (long)(options.Duration.TotalSeconds * freq);
        double SecondsSinceMeasure(long ts) => (ts - measureStart) / freq;

        var errors = new ConcurrentDictionary<(Operation, string, string), ErrorTally>();
        var busyRetries = new ConcurrentDictionary<Operation, long>();
        long measuredCalls = 0, measuredErrors = 0, sequence = 0;
        var stats = new WorkerStats[options.Concurrency];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {options.Mode}, {options.Concurrency} in flight, warm-up {options.Warmup.TotalSeconds:0} s, measured {options.Duration.TotalSeconds:0} s, mix {options.Mix}, token {(options.Token is null ? "none" : "sent")}"));

        // ---- memory and progress, every SampleInterval from the start to the end (and once after)
        using var sampler = new MemorySampler(options.Processes);
        var memory = new List<MemorySample>();
        var progress = new List<ProgressSample>();
        using var stopSampling = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(options.SampleInterval);
            do
            {
                var now = SecondsSinceMeasure(Stopwatch.GetTimestamp());
                memory.AddRange(await sampler.SampleAsync(now));
                progress.Add(new ProgressSample(now, Interlocked.Read(ref measuredCalls), Interlocked.Read(ref measuredErrors)));
                if (now >= 0 && progress.Count % 5 == 0)
                {
                    var rss = string.Join(", ", memory.TakeLast(options.Processes.Count).Select(m => $"{m.Process} {PlateauRule.Mib(m.RssBytes)}"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {now,6:0} s: {progress[^1].Calls} calls, {progress[^1].Errors} errors; {rss}"));
                }
            }
            while (await Continue(timer, stopSampling.Token));
        }, CancellationToken.None);

        // ---- the workers
        var workers = Enumerable.Range(0, options.Concurrency).Select(w => Task.Run(async () =>
        {
            var mine = stats[w] = new WorkerStats();
            var random = new Random(unchecked(w * 7919 + 17));
            while (!interrupted.IsCancellationRequested)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= end)
                {
                    break;
                }

                var op = options.Mix.Pick(random);
                var n = Interlocked.Increment(ref sequence);
                var measured = t0 >= measureStart;
                string? code = null, message = null;
                var cached = false;
                try
                {
                    // "Server busy, retry" (a full queue of expensive work, or a caller over its rate) asks for a retry with
                    // backoff: the driver does what a well-behaved client does, a few times, and counts it. The latency
                    // recorded includes the waits; a call still refused after the last try is an error.
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            cached = await workload.RunAsync(op, n, random, interrupted);
                            break;
                        }
                        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && attempt < BusyRetryLimit &&
                                                     e.Status.Detail.Contains("retry", StringComparison.OrdinalIgnoreCase))
                        {
                            busyRetries.AddOrUpdate(op, 1, (_, c) => c + 1);
                            await Task.Delay(TimeSpan.FromMilliseconds((100 << attempt) + random.Next(50)), interrupted);
                        }
                    }
                }
                catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
                {
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && interrupted.IsCancellationRequested)
                {
                    break;
                }
                catch (RpcException e)
                {
                    (code, message) = (UpperSnake(e.StatusCode.ToString()), e.Status.Detail);
                }
                catch (BadResponseException e)
                {
                    (code, message) = ("BAD_RESPONSE", e.Message);
                }
#pragma warning disable CA1031 // anything else a call throws is an error of the run, counted and reported, never fatal to the driver
                catch (Exception e)
#pragma warning restore CA1031
                {
                    (code, message) = ("CLIENT_" + UpperSnake(e.GetType().Name), e.Message);
                }

                var elapsedMs = (Stopwatch.GetTimestamp() - t0) * 1000 / freq;
                if (code is not null)
                {
                    errors.GetOrAdd((op, code, measured ? "measured" : "warm-up"), _ => new ErrorTally()).Add(Shorten(message));
                    if (measured)
                    {
                        Interlocked.Increment(ref measuredErrors);
                    }
                }
                else if (measured)
                {
                    mine.Latency[(int)op].Record(elapsedMs);
                    if (cached)
                    {
                        mine.FromCache[(int)op]++;
                    }

                    Interlocked.Increment(ref measuredCalls);
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        var measuredSeconds = Math.Max(0, Math.Min(SecondsSinceMeasure(Stopwatch.GetTimestamp()), options.Duration.TotalSeconds));
        await stopSampling.CancelAsync();
        await sampling;
        memory.AddRange(await sampler.SampleAsync(SecondsSinceMeasure(Stopwatch.GetTimestamp())));

        // ---- results
        // The window the counts cover: the whole duration, or as far as an interrupted run got.
        var window = interrupted.IsCancellationRequested ? measuredSeconds : options.Duration.TotalSeconds;
        var operations = new List<OperationResult>();
        var total = new LatencyHistogram();
        long totalCached = 0;
        foreach (var (op, weight) in options.Mix.Weights)
        {
            var h = new LatencyHistogram();
            long fromCache = 0;
            foreach (var s in stats.Where(s => s is not null))
            {
                h.Merge(s.Latency[(int)op]);
                fromCache += s.FromCache[(int)op];
            }

            total.Merge(h);
            totalCached += fromCache;
            var opErrors = errors.Where(e => e.Key.Item1 == op && e.Key.Item3 == "measured").Sum(e => e.Value.Count);
            operations.Add(Row(OperationMix.NameOf(op), weight, h, window, opErrors, fromCache));
        }

        var errorRows = errors
            .Select(e => new ErrorResult(OperationMix.NameOf(e.Key.Item1), e.Key.Item2, e.Key.Item3, e.Value.Count, e.Value.Examples))
            .OrderByDescending(e => e.Count).ToList();
        var rule = new PlateauRule(options.PlateauTolerance);
        var processes = options.Processes.Select(p => Judge(p, memory, rule, Math.Max(window, 0.001))).ToList();

        var failures = new List<string>();
        if (interrupted.IsCancellationRequested)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"interrupted after {measuredSeconds:0} s of {options.Duration.TotalSeconds:0} s"));
        }

        var errorCount = errorRows.Sum(e => e.Count);
        if (errorCount > 0)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{errorCount} failed calls ({string.Join(", ", errorRows.GroupBy(e => e.Code).Select(g => $"{g.Key} {g.Sum(e => e.Count)}"))})"));
        }

        failures.AddRange(sampler.Exited);
        failures.AddRange(processes.Where(p => !p.Plateaued).Select(p => $"{p.Process}: memory did not plateau ({p.Verdict})"));
        if (total.Count == 0)
        {
            failures.Add("no call completed in the measured window");
        }

        return new LoadResult(options.Mode, options.Kind, startedUtc, options.Concurrency,
            options.Warmup.TotalSeconds, window, measuredSeconds, options.CallTimeout.TotalSeconds, options.Mix.ToString(), options.SampleInterval.TotalSeconds,
            options.Token is not null, options.Query!.ToString().TrimEnd('/'), options.Ingestion!.ToString().TrimEnd('/'),
            machineStart with { LoadAfter = LoadAverage() },
            operations, Row("all", operations.Sum(o => o.Weight), total, window, operations.Sum(o => o.Errors), totalCached),
            errorRows, rule.Describe(), processes, memory, progress, failures.Count == 0, failures,
            busyRetries.OrderBy(r => r.Key).ToDictionary(r => OperationMix.NameOf(r.Key), r => r.Value));
    }

    /// <summary>The metadata every call carries: <c>authorization: Bearer TOKEN</c> when there is a token, else nothing.</summary>
    internal static Metadata Headers(string? token)
    {
        var headers = new Metadata();
        if (!string.IsNullOrWhiteSpace(token))
        {
            headers.Add("authorization", "Bearer " + token);
        }

        return headers;
    }

    private static async Task<bool> Continue(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static OperationResult Row(string name, int weight, LatencyHistogram h, double window, long errors, long fromCache) =>
        new(name, weight, h.Count, window > 0 ? h.Count / window : 0, h.Percentile(0.50), h.Percentile(0.99), h.Count > 0 ? h.MaxMs : double.NaN,
            h.MeanMs, errors, fromCache);

    private static ProcessResult Judge(WatchedProcess p, List<MemorySample> memory, PlateauRule rule, double window)
    {
        var mine = memory.Where(m => m.Process == p.Name).ToList();
        var inWindow = mine.Where(m => m.Seconds >= 0).ToList();
        var verdict = rule.Judge([.. mine.Select(m => new MemoryReading(m.Seconds, m.RssBytes))], window);
        var heaps = inWindow.Where(m => m.GcHeapBytes is not null).ToList();
        return new ProcessResult(p.Name, p.Pid,
            inWindow.Count > 0 ? inWindow[0].RssBytes : 0, mine.Count > 0 ? mine.Max(m => m.RssBytes) : 0,
            verdict.MiddleMaxBytes, verdict.LastMaxBytes, verdict.GrowthPercent,
            heaps.Count > 0 ? heaps[0].GcHeapBytes : null, heaps.Count > 0 ? heaps[^1].GcHeapBytes : null,
            verdict.Decided && verdict.Plateaued, verdict.Reason);
    }

    private static string Summary(LoadResult r)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"load: {r.Mode}: {(r.Passed ? "PASS" : "FAIL")}; {r.Total.Calls} calls in {r.DurationSeconds:0} s = {r.Total.PerSecond:0.0}/s, p50 {r.Total.P50Ms:0.0} ms, p99 {r.Total.P99Ms:0.0} ms, {r.Errors.Sum(e => e.Count)} errors");
        foreach (var o in r.Operations.Where(o => o.Weight > 0))
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  {o.Operation,-11} {o.Calls,8} calls {o.PerSecond,8:0.0}/s  p50 {o.P50Ms,8:0.0} ms  p99 {o.P99Ms,8:0.0} ms  max {o.MaxMs,8:0.0} ms  errors {o.Errors}");
        }

        foreach (var p in r.Processes)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  memory {p.Process}: {p.Verdict}");
        }

        foreach (var f in r.Failures)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  FAILED: {f}");
        }

        return s.ToString().TrimEnd();
    }

    /// <summary>Retries of a call refused with "Server busy, retry" before it counts as an error.</summary>
    private const int BusyRetryLimit = 5;

    internal static string UpperSnake(string pascal)
    {
        var s = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]) && !char.IsUpper(pascal[i - 1]))
            {
                s.Append('_');
            }

            s.Append(char.ToUpperInvariant(pascal[i]));
        }

        return s.ToString();
    }

    private static string Shorten(string? message)
    {
        var m = (message ?? "").ReplaceLineEndings(" ").Trim();
        return m.Length <= 300 ? m : m[..300] + "…";
    }

    private static MachineFacts Machine(string loadBefore)
    {
        var at = LoadAverage();
        var cpu = ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is { } line
            ? line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()
            : "unknown";
        var memKb = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) is { } mem
            && long.TryParse(mem.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : 0;
        return new MachineFacts(Environment.ProcessorCount, cpu, memKb * 1024, string.IsNullOrEmpty(loadBefore) ? at : loadBefore, at, "");
    }

    /// <summary>The 1, 5 and 15 minute load averages ("1.52 1.80 2.01").</summary>
    private static string LoadAverage() =>
        string.Join(' ', ReadLines("/proc/loadavg").FirstOrDefault()?.Split(' ').Take(3) ?? ["?"]);

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
    }
}
