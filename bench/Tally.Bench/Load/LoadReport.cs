using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tally.Bench.Load;

/// <summary>
/// `Tally.Bench load-report`: turns the JSON results of one `make load` / `make soak` (one per mode) into
/// bench/results/&lt;kind&gt;-&lt;date&gt;.md, with the raw results beside it (&lt;kind&gt;-&lt;date&gt;.json) and every memory
/// reading as CSV (&lt;kind&gt;-&lt;date&gt;-memory.csv).
/// </summary>
internal static class LoadReport
{
    public const string Usage =
        "usage: Tally.Bench load-report --out DIR [--date YYYY-MM-DD] [--skipped MODE=REASON]... [--note TEXT]... RESULT.json...";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        string? outDir = null;
        var date = DateTime.UtcNow.ToString("yyyy-MM-dd", Inv);
        var skipped = new List<(string Mode, string Reason)>();
        var notes = new List<string>();
        var inputs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (args[i])
            {
                case "--out": outDir = Next(); break;
                case "--date": date = Next(); break;
                case "--skipped":
                    var s = Next().Split('=', 2);
                    skipped.Add(s.Length == 2 ? (s[0], s[1]) : throw new ArgumentException($"--skipped is MODE=REASON. {Usage}"));
                    break;
                case "--note": notes.Add(Next()); break;
                case var a when a.StartsWith("--", StringComparison.Ordinal): throw new ArgumentException($"unknown option '{a}'. {Usage}");
                default: inputs.Add(args[i]); break;
            }
        }

        if (outDir is null || (inputs.Count == 0 && skipped.Count == 0))
        {
            throw new ArgumentException($"--out and at least one result (or --skipped) are required. {Usage}");
        }

        var results = new List<LoadResult>();
        foreach (var path in inputs)
        {
            results.Add(JsonSerializer.Deserialize<LoadResult>(await File.ReadAllTextAsync(path), LoadResult.Json)
                ?? throw new ArgumentException($"{path} holds no load result."));
        }

        var kind = results.Select(r => r.Kind).Distinct().SingleOrDefault() ?? "load";
        var stem = $"{kind}-{date}";
        Directory.CreateDirectory(outDir);
        await File.WriteAllTextAsync(Path.Combine(outDir, stem + ".json"), JsonSerializer.Serialize(results, LoadResult.Json));
        await File.WriteAllTextAsync(Path.Combine(outDir, stem + "-memory.csv"), MemoryCsv(results));
        var md = Markdown(stem, kind, date, results, skipped, notes);
        var mdPath = Path.Combine(outDir, stem + ".md");
        await File.WriteAllTextAsync(mdPath, md);
        Console.WriteLine($"load-report: written {mdPath} (+ {stem}.json, {stem}-memory.csv)");
        return 0;
    }

    internal static string MemoryCsv(IEnumerable<LoadResult> results)
    {
        var csv = new StringBuilder("mode,process,pid,seconds,rss_bytes,gc_heap_bytes\n");
        foreach (var r in results)
        {
            var pids = r.Processes.ToDictionary(p => p.Process, p => p.Pid);
            foreach (var m in r.Memory)
            {
                csv.Append(Inv, $"{r.Mode},{m.Process},{pids.GetValueOrDefault(m.Process)},{m.Seconds:0.###},{m.RssBytes},{m.GcHeapBytes}\n");
            }
        }

        return csv.ToString();
    }

    internal static string Markdown(string stem, string kind, string date, IReadOnlyList<LoadResult> results, IReadOnlyList<(string Mode, string Reason)> skipped,
        IReadOnlyList<string> notes)
    {
        var md = new StringBuilder();
        var title = kind == "soak" ? "Soak run" : "Load run";
        md.AppendLine(Inv, $"# {title}, {date}");
        md.AppendLine();
        var first = results.Count > 0 ? results[0] : null;
        if (first is not null)
        {
            md.AppendLine(Inv, $"`make {kind}` (scripts/load.sh; driver: `Tally.Bench load`, bench/Tally.Bench/Load): a mixed workload over Tally's own gRPC clients, " +
                $"**{first.Concurrency} calls in flight** (closed loop: each of {first.Concurrency} workers starts its next call when its last one returns), " +
                $"{first.WarmupSeconds:0} s warm-up (not counted), then **{first.DurationSeconds:0} s measured**; every call has a {first.CallTimeoutSeconds:0} s deadline. " +
                $"Memory sampled every {first.SampleSeconds:0.#} s. Raw data: [{stem}.json]({stem}.json), memory readings [{stem}-memory.csv]({stem}-memory.csv).");
            md.AppendLine();
        }

        var verdicts = results.Select(r => $"{r.Mode} **{(r.Passed ? "PASS" : "FAIL")}** ({r.Errors.Sum(e => e.Count)} errors; memory {(r.Processes.All(p => p.Plateaued) ? "plateaued" : "did not plateau")})")
            .Concat(skipped.Select(s => $"{s.Mode} **NOT RUN** ({s.Reason})"));
        md.AppendLine(Inv, $"Verdict: {string.Join("; ", verdicts)}.");
        foreach (var r in results.Where(r => !r.Passed))
        {
            md.AppendLine();
            md.AppendLine(Inv, $"{r.Mode} failed: {string.Join("; ", r.Failures)}.");
        }

        md.AppendLine();
        Machine(md, results);
        foreach (var note in notes)
        {
            md.AppendLine(note);
            md.AppendLine();
        }

        if (first is not null)
        {
            Workload(md, first);
        }

        foreach (var r in results)
        {
            Mode(md, r);
        }

        md.AppendLine("## The plateau rule");
        md.AppendLine();
        md.Append("Memory is the resident set size (VmRSS in /proc/PID/status) of each server process, and its GC heap (`dotnet_gc_heap_size_bytes` from its /metrics) to tell managed from native growth. ")
            .Append("The verdict: ").Append(first?.PlateauRule ?? new PlateauRule().Describe()).Append(". ")
            .Append("The first third is left out because caches, pools and the GC's budgets fill there; peaks are compared, not means, because a collection lowers RSS at random moments while a leak lifts every peak. ")
            .AppendLine("A short run can only show that memory does not climb steadily over a minute; `make soak` (30 min by default) is the run that can show a slow leak.");
        return md.ToString();
    }

    private static void Machine(StringBuilder md, IReadOnlyList<LoadResult> results)
    {
        md.AppendLine("## Machine");
        md.AppendLine();
        if (results.Count == 0)
        {
            return;
        }

        var m = results[0].Machine;
        md.Append(Inv, $"{m.Cores} cores ({m.CpuModel}), {m.MemoryTotalBytes / (1024.0 * 1024 * 1024):0.0} GiB memory. ")
            .Append("The load driver runs on the same cores as the servers, and the machine is shared: other builds and test runs may be going on at the same time ")
            .Append("(see the load averages below, 1/5/15 min; above the core count means work was waiting for a core). ")
            .Append("Throughput and latency are therefore what this busy machine gave, not what the code can do on a dedicated one; ")
            .AppendLine("the error count and the memory verdict are what the run checks.");
        md.AppendLine();
        md.AppendLine("| mode | load average before its servers started | at the driver's start | at the end |");
        md.AppendLine("|---|---|---|---|");
        foreach (var r in results)
        {
            md.AppendLine(Inv, $"| {r.Mode} | {r.Machine.LoadBefore} | {r.Machine.LoadAtStart} | {r.Machine.LoadAfter} |");
        }

        md.AppendLine();
    }

    private static void Workload(StringBuilder md, LoadResult r)
    {
        md.AppendLine("## Workload");
        md.AppendLine();
        md.AppendLine(Inv, $"Weights `{r.Mix}` (each call picks one at random in proportion); authorization token {(r.TokenSent ? "sent (`authorization: Bearer …`)" : "none (the servers allow anonymous callers)")}.");
        md.AppendLine();
        md.AppendLine("| operation | rpc | what each call sends | checked |");
        md.AppendLine("|---|---|---|---|");
        md.AppendLine(Inv, $"| ask-repeat | Ask | one of {LoadWorkload.RepeatQuestions.Length} seed questions, cache allowed | a status and a headline |");
        md.AppendLine(Inv, $"| ask-varied | Ask | one of {LoadWorkload.VariedQuestions.Length} questions (the seed phrasings of SeedQuestionTests, and nine questions over FY2019–FY2025), `skip_cache` | a status and a headline |");
        md.AppendLine(Inv, $"| figure | GetFigure | one of {LoadWorkload.Figures.Length} metric/period pairs of the bundled catalog | the catalog's value (ANSWERED or PARTIAL) |");
        md.AppendLine("| document | IngestDocument | a plain-text memo unique to the call, under one of 8 sources | a new snapshot |");
        md.AppendLine(Inv, $"| dataset | IngestDataset (stream) | a generated CSV of {LoadWorkload.DatasetRows} rows, a new vintage of one of 4 datasets | COMPLETED, {LoadWorkload.DatasetRows} rows stored, none quarantined |");
        md.AppendLine();
        md.AppendLine("Every new document snapshot drops the whole answer cache (AnswerCacheSourceIngestedConsumer) and every dataset load drops that dataset's answers, " +
            "so under this mix the repeated questions are only partly served from the cache (the *from cache* column).");
        md.AppendLine();
    }

    private static void Mode(StringBuilder md, LoadResult r)
    {
        var heading = r.Mode switch
        {
            "embedded" => "Embedded default (the all-in-one: one process, SQLite on disk, in-memory bus, in-process cache)",
            "distributed" => "Distributed (`make up`: four processes, PostgreSQL, RabbitMQ, Redis answer cache)",
            _ => r.Mode,
        };
        md.AppendLine(Inv, $"## {heading}");
        md.AppendLine();
        md.AppendLine(Inv, $"Query at {r.Query}, ingestion at {r.Ingestion}; started {r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC. **{(r.Passed ? "PASS" : "FAIL")}**.");
        md.AppendLine();
        md.AppendLine("| operation | calls | calls/s | p50 | p99 | max | from cache | errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var o in r.Operations.Where(o => o.Weight > 0).Append(r.Total))
        {
            var name = o.Operation == "all" ? "**all**" : o.Operation;
            var cache = o.Operation is "document" or "dataset" ? "–" : o.Calls == 0 ? "–" : $"{o.FromCache * 100.0 / o.Calls:0}%";
            md.AppendLine(Inv, $"| {name} | {o.Calls} | {o.PerSecond:0.0} | {Ms(o.P50Ms)} | {Ms(o.P99Ms)} | {Ms(o.MaxMs)} | {cache} | {o.Errors} |");
        }

        md.AppendLine();
        if (r.Errors.Count == 0)
        {
            md.AppendLine("Errors: none (warm-up included).");
        }
        else
        {
            md.AppendLine("Errors (the run fails on any):");
            md.AppendLine();
            md.AppendLine("| operation | status | phase | count | first messages |");
            md.AppendLine("|---|---|---|---:|---|");
            foreach (var e in r.Errors)
            {
                md.AppendLine(Inv, $"| {e.Operation} | {e.Code} | {e.Phase} | {e.Count} | {e.Example.Replace("|", "\\|", StringComparison.Ordinal)} |");
            }
        }

        if (r.BusyRetries is { Count: > 0 } retries)
        {
            md.AppendLine();
            var counts = string.Join(", ", retries.Select(kv => string.Create(Inv, $"{kv.Key} {kv.Value}")));
            md.AppendLine("Refused with RESOURCE_EXHAUSTED \"Server busy, retry\" (the server's limits at work) and retried by the driver " +
                          $"with backoff, as a client should: {counts}. Their latency includes the waits.");
        }

        md.AppendLine();
        md.AppendLine("Memory (RSS; GC heap from /metrics):");
        md.AppendLine();
        md.AppendLine("| process | pid | RSS at window start | middle-third peak | last-third peak | growth | GC heap start → end | plateau |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---|---|");
        foreach (var p in r.Processes)
        {
            var heap = p.FirstGcHeapBytes is { } a && p.LastGcHeapBytes is { } b ? $"{PlateauRule.Mib(a)} → {PlateauRule.Mib(b)}" : "not scraped";
            md.AppendLine(Inv, $"| {p.Process} | {p.Pid} | {PlateauRule.Mib(p.StartRssBytes)} | {PlateauRule.Mib(p.MiddleMaxRssBytes)} | {PlateauRule.Mib(p.LastMaxRssBytes)} | {p.GrowthPercent:+0.0;-0.0;0.0} % | {heap} | {(p.Plateaued ? "yes" : "**no**")} |");
        }

        md.AppendLine();
        OverTime(md, r);
    }

    /// <summary>Up to 12 rows over the measured window: throughput since the previous row, and each process's RSS (GC heap).</summary>
    private static void OverTime(StringBuilder md, LoadResult r)
    {
        var points = r.Progress.Where(p => p.Seconds >= 0).ToList();
        if (points.Count < 2)
        {
            return;
        }

        var step = Math.Max(1, (int)Math.Ceiling((points.Count - 1) / 12.0));
        var chosen = Enumerable.Range(0, points.Count).Where(i => i % step == 0 || i == points.Count - 1).Select(i => points[i]).ToList();
        var names = r.Processes.Select(p => p.Process).ToList();
        md.AppendLine("Over time (calls/s since the previous row; RSS, GC heap in parentheses, MiB):");
        md.AppendLine();
        md.AppendLine(Inv, $"| t | calls/s | errors | {string.Join(" | ", names)} |");
        md.AppendLine(Inv, $"|---:|---:|---:|{string.Concat(names.Select(_ => "---:|"))}");
        for (var i = 1; i < chosen.Count; i++)
        {
            var (prev, cur) = (chosen[i - 1], chosen[i]);
            var rate = cur.Seconds > prev.Seconds ? (cur.Calls - prev.Calls) / (cur.Seconds - prev.Seconds) : 0;
            var cells = names.Select(n => r.Memory.Where(m => m.Process == n && m.Seconds <= cur.Seconds).MaxBy(m => m.Seconds) is { } m
                ? $"{m.RssBytes / 1048576.0:0}" + (m.GcHeapBytes is { } h ? $" ({h / 1048576.0:0})" : "")
                : "–");
            md.AppendLine(Inv, $"| {cur.Seconds:0} s | {rate:0.0} | {cur.Errors} | {string.Join(" | ", cells)} |");
        }

        md.AppendLine();
    }

    private static string Ms(double ms) => double.IsNaN(ms) ? "–" : ms >= 100 ? $"{ms:0} ms" : $"{ms:0.0} ms";
}
