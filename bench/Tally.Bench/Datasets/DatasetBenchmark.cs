using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Tally.Datasets;
using Tally.Datasets.Generation;
using Tally.Datasets.Query;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Bench.Datasets;

/// <summary>
/// Issue 5's dataset benchmarks, side by side with the databases' own tools, on generated record-level detention
/// stays (<see cref="DetentionStayGenerator"/>): ingest rows/s with the engine vs the sqlite3 CLI's <c>.import</c> and
/// psql's <c>\copy</c> of the same CSV; peak resident memory of each while loading; a computed metric cold (no
/// materialised aggregates: one scan) vs the same SQL run directly in sqlite3 / psql; warm (materialised) latency.
/// Targets: ingest ≥ 0.8× the CLI; cold ≤ 1.2× direct SQL; warm ≤ 5 ms; ≤ 500 MB while loading.
/// </summary>
internal static partial class DatasetBenchmark
{
    public const string Usage =
        "usage: Tally.Bench datasets [--rows 1000000[,10000000]] [--postgres CONNSTRING] [--work DIR] [--out DIR] [--runs 5] [--ingest-runs 3] [--keep]\n" +
        "  --postgres defaults to $TALLY_TEST_POSTGRES (scripts/infra-up.sh postgres); without it only SQLite is measured.\n" +
        "  --ingest-runs: rounds of (engine in a fresh process, engine in a warm process, peer), alternated; medians are reported.";

    private const double IngestTarget = 0.8, ColdTarget = 1.2, WarmTargetMs = 5, RssTargetMiB = 500;

    /// <summary>Rows of the file a warm process loads before the timed load (another seed, another dataset).</summary>
    private const long WarmUpRows = 1_000_000;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The metric every run computes: releases on parole, recognizance or IJ bond, per fiscal year of the book-out date.</summary>
    private static readonly ComputedMetricSpec Metric = new("bench-releases", BenchNames.Dataset, "stays",
        [MetricFilter.In("stay_release_reason", "Paroled", "Order of recognizance", "Bonded Out - IJ")],
        MetricMeasure.Count, null, "stay_book_out_date", MetricCalendar.Fiscal, [], VintageRule.LatestValid);

    private static readonly MetricPeriod Year = MetricPeriod.FiscalYear(2024);

    public static async Task<int> RunAsync(string[] args)
    {
        var rowsList = new List<long> { 1_000_000 };
        var postgres = Environment.GetEnvironmentVariable("TALLY_TEST_POSTGRES");
        var work = Path.Combine(Path.GetTempPath(), "tally-bench-datasets");
        var outDir = Path.Combine(Environment.CurrentDirectory, "bench", "results");
        var runs = 5;
        var ingestRuns = 3;
        var keep = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rowsList = [.. args[++i].Split(',').Select(r => long.Parse(r.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture))]; break;
                case "--postgres": postgres = args[++i]; break;
                case "--work": work = args[++i]; break;
                case "--out": outDir = args[++i]; break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--ingest-runs": ingestRuns = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture)); break;
                case "--keep": keep = true; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'. {Usage}");
            }
        }

        if (!Tool("sqlite3"))
        {
            throw new ArgumentException("the sqlite3 CLI is missing (scripts/install-deps.sh installs it).");
        }

        if (postgres is { Length: > 0 } && !Tool("psql"))
        {
            Console.Error.WriteLine("bench: psql is missing; PostgreSQL is skipped.");
            postgres = null;
        }

        Directory.CreateDirectory(work);
        var warmUp = Path.Combine(work, $"stays-warm-up-{WarmUpRows}.csv");
        if (!File.Exists(warmUp))
        {
            await DetentionStayGenerator.WriteFileAsync(warmUp, WarmUpRows, seed: 7);
        }

        var results = new List<BackendResult>();
        foreach (var rows in rowsList)
        {
            var csv = Path.Combine(work, $"stays-{rows}.csv");
            if (!File.Exists(csv))
            {
                Console.Error.WriteLine($"bench: generating {rows:N0} stays into {csv}");
                await DetentionStayGenerator.WriteFileAsync(csv, rows);
            }

            results.Add(await SqliteAsync(csv, warmUp, rows, Path.Combine(work, $"sqlite-{rows}"), runs, ingestRuns, keep));
            if (postgres is { Length: > 0 })
            {
                results.Add(await PostgresAsync(csv, warmUp, rows, postgres, runs, ingestRuns));
            }
        }

        Directory.CreateDirectory(outDir);
        var stamp = DateTime.Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var md = Path.Combine(outDir, $"datasets-{stamp}.md");
        await File.WriteAllTextAsync(md, Report(results, postgres is { Length: > 0 }));
        await File.WriteAllTextAsync(Path.ChangeExtension(md, ".json"), JsonSerializer.Serialize(results, Indented));
        Console.WriteLine(await File.ReadAllTextAsync(md));
        Console.Error.WriteLine($"bench: report in {md}");
        return 0;
    }

    // ---- SQLite -----------------------------------------------------------------------------------------------------

    private static async Task<BackendResult> SqliteAsync(string csv, string warmUp, long rows, string dir, int runs, int ingestRuns, bool keep)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        var fresh = new List<LoadResult>();
        var warm = new List<LoadResult>();
        var peer = new List<PeerRun>();
        var measured = Path.Combine(dir, "engine");
        for (var run = 1; run <= ingestRuns; run++)
        {
            // The last fresh load's database is the one the metric timings read.
            var engineDir = run == ingestRuns ? measured : Path.Combine(dir, $"engine-{run}");
            Console.Error.WriteLine($"bench: sqlite, {rows:N0} rows, round {run}/{ingestRuns}: engine load (fresh process)");
            await SettleAsync(null);
            fresh.Add(await LoadChildAsync(["--file", csv, "--sqlite", engineDir]));
            DeleteUnless(engineDir != measured, engineDir);

            var warmDir = Path.Combine(dir, $"engine-warm-{run}");
            Console.Error.WriteLine("bench: sqlite: engine load (warm process)");
            warm.Add(await LoadChildAsync(["--file", csv, "--sqlite", warmDir, "--warm-up", warmUp])); // settles after its warm-up
            DeleteUnless(true, warmDir);

            Console.Error.WriteLine("bench: sqlite: sqlite3 .import");
            var cliDb = Path.Combine(dir, $"cli-{run}.db");
            var script = $"PRAGMA journal_mode=WAL;\nCREATE TABLE stays ({PeerColumns("TEXT", "INTEGER")});\n.mode csv\n.import --skip 1 '{csv.Replace("'", "''", StringComparison.Ordinal)}' stays\nSELECT COUNT(*) FROM stays;\n";
            await SettleAsync(null);
            var cli = await Memory.RunAsync(new ProcessStartInfo("sqlite3", [cliDb]), script);
            Check(cli.ExitCode, "sqlite3 .import", cli.Stderr);
            peer.Add(new PeerRun(cli.Seconds, long.Parse(cli.Stdout.Trim().Split('\n')[^1], CultureInfo.InvariantCulture), cli.PeakMiB));
            foreach (var f in Directory.GetFiles(dir, $"cli-{run}.db*"))
            {
                File.Delete(f);
            }
        }

        var db = new ServiceDatabase("datasets", new StorageOptions { Provider = "sqlite", DataDirectory = measured }, DatasetMigrations.SqlitePageSize);
        var engineDb = Path.Combine(measured, "datasets.db");
        var (cold, warmMetric, materialise, sql) = await MetricTimingsAsync(db, runs);
        Console.Error.WriteLine("bench: sqlite: the same SQL in sqlite3");
        var direct = await SqliteDirectAsync(engineDb, sql, runs);

        if (!keep)
        {
            Directory.Delete(dir, recursive: true);
        }

        return new BackendResult("SQLite", "sqlite3 .import", rows, new FileInfo(csv).Length, fresh, warm, peer, cold, direct, warmMetric, materialise);
    }

    private static void DeleteUnless(bool delete, string dir)
    {
        if (delete && Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double[]> SqliteDirectAsync(string dbFile, string sql, int runs)
    {
        var script = new StringBuilder(".timer on\n");
        for (var i = 0; i < runs + 1; i++)
        {
            script.Append(sql).Append(";\n");
        }

        var run = await Memory.RunAsync(new ProcessStartInfo("sqlite3", ["-readonly", dbFile]), script.ToString());
        Check(run.ExitCode, "sqlite3 query", run.Stderr);
        var times = SqliteTimer().Matches(run.Stdout + run.Stderr).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000).ToArray();
        return times.Length > 1 ? times[1..] : times; // the first read warms the page cache, as the engine's warm-up call does
    }

    // ---- PostgreSQL -------------------------------------------------------------------------------------------------

    private static async Task<BackendResult> PostgresAsync(string csv, string warmUp, long rows, string connection, int runs, int ingestRuns)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var schema = "bench_engine_" + suffix;
        var psqlEnv = PsqlEnvironment(connection);
        var dropped = new List<string>();
        try
        {
            var fresh = new List<LoadResult>();
            var warm = new List<LoadResult>();
            var peer = new List<PeerRun>();
            var shapedPeer = new List<double>();
            for (var run = 1; run <= ingestRuns; run++)
            {
                // The last fresh load's schema is the one the metric timings read.
                var engineSchema = run == ingestRuns ? schema : $"{schema}_{run}";
                Console.Error.WriteLine($"bench: postgres, {rows:N0} rows, round {run}/{ingestRuns}: engine load (fresh process)");
                await SettleAsync(psqlEnv);
                fresh.Add(await LoadChildAsync(["--file", csv, "--postgres", connection, "--schema", engineSchema]));
                var warmSchema = $"{schema}_w{run}";
                Console.Error.WriteLine("bench: postgres: engine load (warm process)");
                warm.Add(await LoadChildAsync(["--file", csv, "--postgres", connection, "--schema", warmSchema, "--warm-up", warmUp])); // settles after its warm-up

                Console.Error.WriteLine("bench: postgres: psql \\copy");
                var peerSchema = $"bench_copy_{suffix}_{run}";
                var script = $"CREATE SCHEMA {peerSchema};\nCREATE TABLE {peerSchema}.stays ({PeerColumns("text", "bigint")});\n" +
                             $"\\copy {peerSchema}.stays FROM '{csv.Replace("'", "''", StringComparison.Ordinal)}' WITH (FORMAT csv, HEADER true)\nSELECT COUNT(*) FROM {peerSchema}.stays;\n";
                await SettleAsync(psqlEnv);
                var copy = await Memory.RunAsync(Psql(psqlEnv, "-v", "ON_ERROR_STOP=1", "-qtA"), script);
                Check(copy.ExitCode, "psql \\copy", copy.Stderr);
                peer.Add(new PeerRun(copy.Seconds, long.Parse(copy.Stdout.Trim().Split('\n')[^1], CultureInfo.InvariantCulture), copy.PeakMiB));

                // For reference: the same \copy into a table shaped like the engine's (provenance columns and the engine's _filing index).
                Console.Error.WriteLine("bench: postgres: psql \\copy into the engine's table shape");
                var shaped = $"{peerSchema}.shaped";
                var shapedScript = $"CREATE TABLE {shaped} (_filing text NOT NULL DEFAULT 'fl-0193f1c2a4b87c3e9d21', _sheet text, _row bigserial, {PeerColumns("text", "bigint")});\n" +
                                   $"CREATE INDEX ON {shaped} {PhysicalTable.FilingIndexMethod(SqlDialect.Postgres)};\n" +
                                   $"\\copy {shaped} ({string.Join(", ", DetentionStayGenerator.Columns)}) FROM '{csv.Replace("'", "''", StringComparison.Ordinal)}' WITH (FORMAT csv, HEADER true)\n";
                await SettleAsync(psqlEnv);
                var shape = await Memory.RunAsync(Psql(psqlEnv, "-v", "ON_ERROR_STOP=1", "-qtA"), shapedScript);
                Check(shape.ExitCode, "psql \\copy (engine's shape)", shape.Stderr);
                shapedPeer.Add(shape.Seconds);
                var drop = run == ingestRuns ? [warmSchema, peerSchema] : new[] { engineSchema, warmSchema, peerSchema };
                await DropSchemasAsync(psqlEnv, drop);
                dropped.AddRange(drop);
            }

            var db = new ServiceDatabase(schema, new StorageOptions { Provider = "postgres", ConnectionString = connection });
            // The loads above leave autovacuum to vacuum, summarise and analyse the 10M-row table for minutes; the engine's
            // cold runs would share the machine with it and the direct runs after them would not. Done first, for both.
            Console.Error.WriteLine("bench: postgres: VACUUM (ANALYZE) before the metric timings");
            var vacuum = await Memory.RunAsync(Psql(psqlEnv, "-v", "ON_ERROR_STOP=1", "-qtA"),
                $"SET search_path TO {schema};\nVACUUM (ANALYZE) {PhysicalTable.NameFor(BenchNames.Dataset, "stays")};\n");
            Check(vacuum.ExitCode, "psql VACUUM", vacuum.Stderr);
            var (cold, warmMetric, materialise, sql) = await MetricTimingsAsync(db, runs);
            Console.Error.WriteLine("bench: postgres: the same SQL in psql");
            var query = new StringBuilder($"SET search_path TO {schema};\n\\timing on\n");
            for (var i = 0; i < runs + 1; i++)
            {
                query.Append(sql).Append(";\n");
            }

            var direct = await Memory.RunAsync(Psql(psqlEnv, "-v", "ON_ERROR_STOP=1", "-qtA"), query.ToString());
            Check(direct.ExitCode, "psql query", direct.Stderr);
            var times = PsqlTimer().Matches(direct.Stdout).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
            return new BackendResult("PostgreSQL", "psql \\copy", rows, new FileInfo(csv).Length, fresh, warm, peer,
                cold, times.Length > 1 ? times[1..] : times, warmMetric, materialise) { ShapedPeerSeconds = [.. shapedPeer] };
        }
        finally
        {
            // Everything this run may have created, whatever failed (dropping a schema that is gone is a no-op).
            var all = new List<string> { schema };
            for (var run = 1; run <= ingestRuns; run++)
            {
                all.AddRange([$"{schema}_{run}", $"{schema}_w{run}", $"bench_copy_{suffix}_{run}"]);
            }

            await DropSchemasAsync(psqlEnv, all.Except(dropped));
        }
    }

    /// <summary>
    /// Before each timed load, engine or peer: the kernel writes back dirty pages (`sync`) and PostgreSQL writes its
    /// dirty buffers (`CHECKPOINT`), so that no load pays for the writes of the one before it (a 1M-row load leaves
    /// about 1 GB of WAL, and the checkpoint it triggers otherwise lands on whatever runs next).
    /// </summary>
    internal static async Task SettleAsync(Dictionary<string, string>? psqlEnv)
    {
        await Memory.RunAsync(new ProcessStartInfo("sync"));
        if (psqlEnv is not null)
        {
            var checkpoint = await Memory.RunAsync(Psql(psqlEnv, "-qtA", "-c", "CHECKPOINT"));
            Check(checkpoint.ExitCode, "psql CHECKPOINT (the bench's role needs pg_checkpoint or superuser)", checkpoint.Stderr);
        }
    }

    private static async Task DropSchemasAsync(Dictionary<string, string> psqlEnv, IEnumerable<string> schemas) =>
        await Memory.RunAsync(Psql(psqlEnv, "-qtA"), string.Concat(schemas.Select(s => $"DROP SCHEMA IF EXISTS {s} CASCADE;\n")));

    internal static Dictionary<string, string> PsqlEnvironment(string connection)
    {
        var b = new NpgsqlConnectionStringBuilder(connection);
        return new Dictionary<string, string>
        {
            ["PGHOST"] = b.Host ?? "127.0.0.1",
            ["PGPORT"] = b.Port.ToString(CultureInfo.InvariantCulture),
            ["PGUSER"] = b.Username ?? "postgres",
            ["PGPASSWORD"] = b.Password ?? "",
            ["PGDATABASE"] = b.Database ?? "postgres",
        };
    }

    private static ProcessStartInfo Psql(Dictionary<string, string> env, params string[] args)
    {
        var info = new ProcessStartInfo("psql", args);
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        return info;
    }

    // ---- shared -----------------------------------------------------------------------------------------------------

    /// <summary>Runs the engine's load in a child process (its own memory) and reads its JSON line; adds the peak sampled from outside.</summary>
    private static async Task<LoadResult> LoadChildAsync(string[] args)
    {
        var self = Environment.ProcessPath ?? "dotnet";
        var info = self.EndsWith("dotnet", StringComparison.Ordinal)
            ? new ProcessStartInfo(self, [typeof(DatasetBenchmark).Assembly.Location, "dataset-load", .. args])
            : new ProcessStartInfo(self, ["dataset-load", .. args]);
        // The services run with the runtime's default GC (workstation, concurrent); this process runs server GC for the RPC benchmarks.
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_gcConcurrent"] = "1";
        var run = await Memory.RunAsync(info);
        Check(run.ExitCode, "engine load", run.Stderr + run.Stdout);
        var result = JsonSerializer.Deserialize<LoadResult>(run.Stdout.Trim().Split('\n')[^1])!;
        return result with { PeakRssMiB = Math.Max(result.PeakRssMiB, run.PeakMiB ?? 0) };
    }

    /// <summary>
    /// Cold: the metric computed without materialised aggregates (one scan per call), median of <paramref name="runs"/>
    /// after one warm-up call. Then register it (materialise, timed) and time warm calls. Returns the SQL with its
    /// parameters written in, to run directly.
    /// </summary>
    private static async Task<(double[] Cold, double[] Warm, double MaterialiseMs, string Sql)> MetricTimingsAsync(ServiceDatabase db, int runs)
    {
        var engine = new DatasetEngine(db, new DatasetEngineOptions());
        var first = await engine.ComputeAsync(Metric, Year);
        var cold = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            var r = await engine.ComputeAsync(Metric, Year);
            cold[i] = clock.Elapsed.TotalMilliseconds;
            if (r.FromMaterialised || r.Value != first.Value)
            {
                throw new InvalidOperationException("a cold run was answered from aggregates or changed its value.");
            }
        }

        var materialise = Stopwatch.StartNew();
        await engine.RegisterMetricAsync(Metric);
        var materialiseMs = materialise.Elapsed.TotalMilliseconds;
        var warm = new double[Math.Max(50, runs * 10)];
        await engine.ComputeAsync(Metric, Year);
        for (var i = 0; i < warm.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            var r = await engine.ComputeAsync(Metric, Year);
            warm[i] = clock.Elapsed.TotalMilliseconds;
            if (!r.FromMaterialised || r.Value != first.Value)
            {
                throw new InvalidOperationException("a warm run was not answered from aggregates or changed its value.");
            }
        }

        Console.Error.WriteLine($"bench: metric value {first.Value:N0} from vintage {first.Vintage?.Label}");
        return (cold, warm, materialiseMs, Inline(first.Sql, first.SqlParameters ?? new Dictionary<string, object?>()));
    }

    /// <summary>The SQL with each @parameter replaced by its literal (longest names first, so @p1 never eats @p10).</summary>
    private static string Inline(string sql, IReadOnlyDictionary<string, object?> parameters)
    {
        foreach (var (name, value) in parameters.OrderByDescending(p => p.Key.Length))
        {
            var literal = value switch
            {
                null => "NULL",
                string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
                DateOnly d => "'" + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => "'" + value.ToString()!.Replace("'", "''", StringComparison.Ordinal) + "'",
            };
            sql = sql.Replace("@" + name, literal, StringComparison.Ordinal);
        }

        return sql;
    }

    /// <summary>The generated file's columns for the peer's table: integers as integers, everything else as text.</summary>
    private static string PeerColumns(string text, string integer) =>
        string.Join(", ", DetentionStayGenerator.Columns.Select(c => $"{c} {(c is "birth_year" or "case_threat_level" ? integer : text)}"));

    private static bool Tool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, name)));

    private static void Check(int exitCode, string what, string stderr)
    {
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed (exit {exitCode}): {stderr.Trim()}");
        }
    }

    // ---- report -----------------------------------------------------------------------------------------------------

    /// <summary>One run of the peer tool: its wall time (process start to exit), the rows it stored, its peak resident set.</summary>
    private static string Cpu(IEnumerable<LoadResult> runs) =>
        string.Join(", ", runs.Select(r => r.CpuSeconds is { } c ? c.ToString("F2", CultureInfo.InvariantCulture) : "?"));

    internal sealed record PeerRun(double Seconds, long Rows, double? PeakMiB);

    internal sealed record BackendResult(
        string Backend, string Peer, long Rows, long CsvBytes, List<LoadResult> Fresh, List<LoadResult> Warm, List<PeerRun> PeerRuns,
        double[] ColdMs, double[] DirectMs, double[] WarmMs, double MaterialiseMs)
    {
        public double FreshSeconds => Median([.. Fresh.Select(r => r.Seconds)]);

        public double WarmSeconds => Median([.. Warm.Select(r => r.Seconds)]);

        public double PeerSeconds => Median([.. PeerRuns.Select(r => r.Seconds)]);

        public long EngineRows => Fresh[^1].RowsRead;

        public long PeerRows => PeerRuns[^1].Rows;

        /// <summary>Engine rows/s over peer rows/s, from the median times.</summary>
        public double Ratio(double engineSeconds) => EngineRows / engineSeconds / (PeerRows / PeerSeconds);

        public double EnginePeakMiB => Fresh.Concat(Warm).Max(r => r.PeakRssMiB);

        public double? PeerPeakMiB => PeerRuns.Max(r => r.PeakMiB);

        /// <summary>The peer tool loading the same file into a table of the engine's shape (PostgreSQL only; null otherwise).</summary>
        public double[]? ShapedPeerSeconds { get; init; }
    }

    private static string Report(List<BackendResult> results, bool postgres)
    {
        var inv = CultureInfo.InvariantCulture;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# Dataset benchmark, {DateTime.Now:yyyy-MM-dd}");
        sb.AppendLine();
        sb.Append(inv, $"Generated record-level detention stays (`DetentionStayGenerator`, seed 20250228, 15 columns, key `stay_id`); {Environment.ProcessorCount} cores, load average {load} at the end. ");
        sb.Append("The engine converts and checks every row (types, required cells, enums, duplicate keys, vintage), records provenance and switches the vintage in atomically; ");
        sb.Append("the peers copy text into a table with no checks, no provenance columns and no index. Each load runs in its own process (the services' GC settings); peak RSS is its VmHWM. Before each timed load, engine or peer, the bench runs `sync` and, on PostgreSQL, `CHECKPOINT`, so that no load pays for the previous one's writes.");
        sb.AppendLine(postgres ? "" : " PostgreSQL was not measured (no `--postgres` / `TALLY_TEST_POSTGRES`).");
        sb.AppendLine();
        sb.AppendLine("## Ingest");
        sb.AppendLine();
        var rounds = results.Count == 0 ? 0 : results[0].Fresh.Count;
        sb.AppendLine(string.Create(inv, $"Median of {rounds} round(s); each round runs the engine in a fresh process, the engine in a warm process, then the peer, so that all three see the same machine."));
        sb.AppendLine("*Fresh*: the load is the process's first work, so it includes the JIT compiling and tiering the load's code (1–1.5 s of CPU on two cores).");
        sb.AppendLine(string.Create(inv, $"*Warm*: the process loaded a {WarmUpRows:N0}-row file first (untimed, into another dataset), as a running ingestion service has: the figure for Tally as deployed. " +
            $"A smaller warm-up leaves the load's code still being tiered: on two busy cores the background compiler falls behind, and after 100,000 rows a 1M-row load still ran about 1 s slower."));
        sb.AppendLine();
        sb.AppendLine("| backend | rows | CSV | engine, warm | engine, fresh | peer | ratio, warm (target ≥ 0.8×) | ratio, fresh | engine peak RSS (≤ 500 MB) | peer peak RSS |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var warmRatio = r.Ratio(r.WarmSeconds);
            var freshRatio = r.Ratio(r.FreshSeconds);
            sb.AppendLine(string.Create(inv,
                $"| {r.Backend} | {r.Rows:N0} | {r.CsvBytes / 1048576.0:N0} MiB | {r.WarmSeconds:F2} s ({r.EngineRows / r.WarmSeconds:N0} rows/s) | {r.FreshSeconds:F2} s | " +
                $"{r.Peer}: {r.PeerSeconds:F2} s ({r.PeerRows / r.PeerSeconds:N0} rows/s) | **{warmRatio:F2}×** {(warmRatio >= IngestTarget ? "met" : "missed")} | " +
                $"{freshRatio:F2}× {(freshRatio >= IngestTarget ? "met" : "missed")} | {r.EnginePeakMiB:N0} MiB {(r.EnginePeakMiB <= RssTargetMiB ? "met" : "missed")} | " +
                $"{(r.PeerPeakMiB is { } p ? string.Create(inv, $"{p:N0} MiB") : "?")} |"));
        }

        sb.AppendLine();
        foreach (var r in results.Where(r => r.ShapedPeerSeconds is { Length: > 0 }))
        {
            var shaped = Median(r.ShapedPeerSeconds!);
            sb.AppendLine(string.Create(inv,
                $"- {r.Backend}, {r.Rows:N0} rows: the same {r.Peer} into a table of the engine's shape (`_filing`, `_sheet`, `_row` and the engine's `_filing` index, BRIN) took {shaped:F2} s, " +
                $"{r.PeerSeconds / shaped:F2}× the bare table's rate: that part of the gap is the stored provenance, not the engine. The engine, warm, ran at {shaped / r.WarmSeconds:F2}× that rate."));
        }

        foreach (var r in results)
        {
            sb.AppendLine(string.Create(inv,
                $"- {r.Backend}, {r.Rows:N0} rows, every round (s): warm {string.Join(", ", r.Warm.Select(x => x.Seconds.ToString("F2", inv)))}; " +
                $"fresh {string.Join(", ", r.Fresh.Select(x => x.Seconds.ToString("F2", inv)))}; peer {string.Join(", ", r.PeerRuns.Select(x => x.Seconds.ToString("F2", inv)))}. " +
                $"Engine CPU during the load (s, all its tasks): warm {Cpu(r.Warm)}; fresh {Cpu(r.Fresh)}."));
        }

        sb.AppendLine();
        sb.AppendLine("## Computed metric (count of FY2024 book-outs on parole, recognizance or IJ bond)");
        sb.AppendLine();
        sb.AppendLine("| backend | rows | cold p50 (engine, scan) | same SQL direct p50 | ratio (target ≤ 1.2×) | materialise once | warm p50 | warm p99 | warm ≤ 5 ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
        {
            var cold = Median(r.ColdMs);
            var direct = Median(r.DirectMs);
            var ratio = cold / direct;
            var warm = Median(r.WarmMs);
            sb.AppendLine(string.Create(inv,
                $"| {r.Backend} | {r.Rows:N0} | {cold:F1} ms | {direct:F1} ms | **{ratio:F2}×** {(ratio <= ColdTarget ? "met" : "missed")} | {r.MaterialiseMs:N0} ms | " +
                $"{warm:F2} ms | {Percentile(r.WarmMs, 0.99):F2} ms | {(warm <= WarmTargetMs ? "met" : "missed")} |"));
        }

        sb.AppendLine();
        sb.AppendLine("Cold = `DatasetEngine.ComputeAsync` on a metric that is not registered: spec and vintages read, then one scan of the vintage's rows " +
                      "(median of the runs after a warm-up call). Direct = the SQL the engine ran (`ComputedMetricResult.Sql`, parameters written in) in `sqlite3 -readonly` " +
                      "with `.timer on` / in psql with `\\timing on`, against the engine's own tables, page cache warm. Warm = the same call after `RegisterMetricAsync` " +
                      "materialised the aggregates. On PostgreSQL the table is vacuumed and analysed first, so that autovacuum does not run under one side's timings only. " +
                      "Run: `scripts/bench.sh datasets` (1M rows; `--rows 1000000,10000000` adds 10M).");
        return sb.ToString();
    }

    private static double Median(double[] values) => Percentile(values, 0.5);

    private static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    [GeneratedRegex(@"Run Time: real ([0-9.]+)")]
    private static partial Regex SqliteTimer();

    [GeneratedRegex(@"Time: ([0-9.]+) ms")]
    private static partial Regex PsqlTimer();
}
