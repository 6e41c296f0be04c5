using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Tally.Datasets;
using Tally.Datasets.Generation;
using Tally.Datasets.Query;
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
        "usage: Tally.Bench datasets [--rows 1000000[,10000000]] [--postgres CONNSTRING] [--work DIR] [--out DIR] [--runs 5] [--keep]\n" +
        "  --postgres defaults to $TALLY_TEST_POSTGRES (scripts/infra-up.sh postgres); without it only SQLite is measured.";

    private const double IngestTarget = 0.8, ColdTarget = 1.2, WarmTargetMs = 5, RssTargetMiB = 500;

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
        var results = new List<BackendResult>();
        foreach (var rows in rowsList)
        {
            var csv = Path.Combine(work, $"stays-{rows}.csv");
            if (!File.Exists(csv))
            {
                Console.Error.WriteLine($"bench: generating {rows:N0} stays into {csv}");
                await DetentionStayGenerator.WriteFileAsync(csv, rows);
            }

            results.Add(await SqliteAsync(csv, rows, Path.Combine(work, $"sqlite-{rows}"), runs, keep));
            if (postgres is { Length: > 0 })
            {
                results.Add(await PostgresAsync(csv, rows, postgres, runs));
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

    private static async Task<BackendResult> SqliteAsync(string csv, long rows, string dir, int runs, bool keep)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        Console.Error.WriteLine($"bench: sqlite, {rows:N0} rows: engine load");
        var engineLoad = await LoadChildAsync(["--file", csv, "--sqlite", dir]);

        Console.Error.WriteLine("bench: sqlite: sqlite3 .import");
        var cliDb = Path.Combine(dir, "cli.db");
        var script = $"PRAGMA journal_mode=WAL;\nCREATE TABLE stays ({PeerColumns("TEXT", "INTEGER")});\n.mode csv\n.import --skip 1 '{csv.Replace("'", "''", StringComparison.Ordinal)}' stays\nSELECT COUNT(*) FROM stays;\n";
        var cli = await Memory.RunAsync(new ProcessStartInfo("sqlite3", [cliDb]), script);
        Check(cli.ExitCode, "sqlite3 .import", cli.Stderr);
        var cliRows = long.Parse(cli.Stdout.Trim().Split('\n')[^1], CultureInfo.InvariantCulture);

        var db = new ServiceDatabase("datasets", new StorageOptions { Provider = "sqlite", DataDirectory = dir });
        var engineDb = Path.Combine(dir, "datasets.db");
        var (cold, warm, materialise, sql) = await MetricTimingsAsync(db, runs);
        Console.Error.WriteLine("bench: sqlite: the same SQL in sqlite3");
        var direct = await SqliteDirectAsync(engineDb, sql, runs);

        if (!keep)
        {
            Directory.Delete(dir, recursive: true);
        }

        return new BackendResult("SQLite", "sqlite3 .import", rows, new FileInfo(csv).Length, engineLoad, cli.Seconds, cliRows, cli.PeakMiB, cold, direct, warm, materialise);
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

    private static async Task<BackendResult> PostgresAsync(string csv, long rows, string connection, int runs)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var schema = "bench_engine_" + suffix;
        var peer = "bench_copy_" + suffix;
        var psqlEnv = PsqlEnvironment(connection);
        try
        {
            Console.Error.WriteLine($"bench: postgres, {rows:N0} rows: engine load");
            var engineLoad = await LoadChildAsync(["--file", csv, "--postgres", connection, "--schema", schema]);

            Console.Error.WriteLine("bench: postgres: psql \\copy");
            var script = $"CREATE SCHEMA {peer};\nCREATE TABLE {peer}.stays ({PeerColumns("text", "bigint")});\n" +
                         $"\\copy {peer}.stays FROM '{csv.Replace("'", "''", StringComparison.Ordinal)}' WITH (FORMAT csv, HEADER true)\nSELECT COUNT(*) FROM {peer}.stays;\n";
            var copy = await Memory.RunAsync(Psql(psqlEnv, "-v", "ON_ERROR_STOP=1", "-qtA"), script);
            Check(copy.ExitCode, "psql \\copy", copy.Stderr);
            var copyRows = long.Parse(copy.Stdout.Trim().Split('\n')[^1], CultureInfo.InvariantCulture);

            var db = new ServiceDatabase(schema, new StorageOptions { Provider = "postgres", ConnectionString = connection });
            var (cold, warm, materialise, sql) = await MetricTimingsAsync(db, runs);
            Console.Error.WriteLine("bench: postgres: the same SQL in psql");
            var query = new StringBuilder($"SET search_path TO {schema};\n\\timing on\n");
            for (var i = 0; i < runs + 1; i++)
            {
                query.Append(sql).Append(";\n");
            }

            var direct = await Memory.RunAsync(Psql(psqlEnv, "-v", "ON_ERROR_STOP=1", "-qtA"), query.ToString());
            Check(direct.ExitCode, "psql query", direct.Stderr);
            var times = PsqlTimer().Matches(direct.Stdout).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
            return new BackendResult("PostgreSQL", "psql \\copy", rows, new FileInfo(csv).Length, engineLoad, copy.Seconds, copyRows, copy.PeakMiB,
                cold, times.Length > 1 ? times[1..] : times, warm, materialise);
        }
        finally
        {
            await Memory.RunAsync(Psql(psqlEnv, "-qtA"), $"DROP SCHEMA IF EXISTS {schema} CASCADE;\nDROP SCHEMA IF EXISTS {peer} CASCADE;\n");
        }
    }

    private static Dictionary<string, string> PsqlEnvironment(string connection)
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

    internal sealed record BackendResult(
        string Backend, string Peer, long Rows, long CsvBytes, LoadResult Engine, double PeerSeconds, long PeerRows, double? PeerPeakMiB,
        double[] ColdMs, double[] DirectMs, double[] WarmMs, double MaterialiseMs)
    {
        public double EngineRowsPerSecond => Engine.RowsRead / Engine.Seconds;

        public double PeerRowsPerSecond => PeerRows / PeerSeconds;
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
        sb.Append("the peers copy text into a table with no checks. Each load runs in its own process; peak RSS is its VmHWM.");
        sb.AppendLine(postgres ? "" : " PostgreSQL was not measured (no `--postgres` / `TALLY_TEST_POSTGRES`).");
        sb.AppendLine();
        sb.AppendLine("## Ingest");
        sb.AppendLine();
        sb.AppendLine("| backend | rows | CSV | engine | engine rows/s | peer | peer rows/s | ratio (target ≥ 0.8×) | engine peak RSS (≤ 500 MB) | peer peak RSS |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var ratio = r.EngineRowsPerSecond / r.PeerRowsPerSecond;
            sb.AppendLine(string.Create(inv,
                $"| {r.Backend} | {r.Rows:N0} | {r.CsvBytes / 1048576.0:N0} MiB | {r.Engine.Seconds:F1} s | {r.EngineRowsPerSecond:N0} | {r.Peer}: {r.PeerSeconds:F1} s | {r.PeerRowsPerSecond:N0} | " +
                $"**{ratio:F2}×** {(ratio >= IngestTarget ? "met" : "missed")} | {r.Engine.PeakRssMiB:N0} MiB {(r.Engine.PeakRssMiB <= RssTargetMiB ? "met" : "missed")} | {(r.PeerPeakMiB is { } p ? string.Create(inv, $"{p:N0} MiB") : "?")} |"));
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
                      "materialised the aggregates. Run: `scripts/bench.sh datasets` (1M rows; `--rows 1000000,10000000` adds 10M).");
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
