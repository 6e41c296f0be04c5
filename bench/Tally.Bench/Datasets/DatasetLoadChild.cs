using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tally.Datasets;
using Tally.Datasets.Generation;
using Tally.Datasets.Storage;
using Tally.Storage;

namespace Tally.Bench.Datasets;

/// <summary>
/// One dataset load in a process of its own, so its peak memory is the load's alone: loads a generated stays CSV with
/// the dataset engine into SQLite (a data directory) or PostgreSQL (a schema) and prints one JSON line with the time,
/// the row counts and the process's own peak resident set (VmHWM). With --warm-up the process first loads another
/// file, untimed: the timed load then runs on code the JIT has already compiled and tiered, as in a running service.
/// </summary>
internal static class DatasetLoadChild
{
    public const string Usage =
        "usage: Tally.Bench dataset-load --file CSV (--sqlite DIR | --postgres CONNSTRING --schema NAME | --generate ROWS) [--warm-up CSV]\n" +
        "  --warm-up loads CSV (untimed, into a dataset of its own) first, as a running ingestion service has loaded files before.";

    public static async Task<int> RunAsync(string[] args)
    {
        string? file = null, sqlite = null, postgres = null, schema = null, warmUp = null;
        long? generate = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--file": file = args[++i]; break;
                case "--sqlite": sqlite = args[++i]; break;
                case "--postgres": postgres = args[++i]; break;
                case "--schema": schema = args[++i]; break;
                case "--generate": generate = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warm-up": warmUp = args[++i]; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'. {Usage}");
            }
        }

        if (file is not null && generate is { } rows)
        {
            // The benchmark's CSV on its own (for profiling a load by hand): same generator, same seed.
            await DetentionStayGenerator.WriteFileAsync(file, rows);
            return 0;
        }

        if (file is null || !File.Exists(file) || (sqlite is null) == (postgres is null) || (postgres is not null && schema is null))
        {
            throw new ArgumentException(Usage);
        }

        var database = sqlite is not null
            ? new ServiceDatabase("datasets", new StorageOptions { Provider = "sqlite", DataDirectory = sqlite }, DatasetMigrations.SqlitePageSize)
            : new ServiceDatabase(schema!, new StorageOptions { Provider = "postgres", ConnectionString = postgres });
        var engine = new DatasetEngine(database, new DatasetEngineOptions());
        await engine.MigrateAsync();
        if (warmUp is not null)
        {
            await using var warm = File.OpenRead(warmUp);
            await engine.LoadAsync(new DatasetUpload { DatasetName = BenchNames.WarmUpDataset, FileName = Path.GetFileName(warmUp), SpecYaml = DetentionStayGenerator.SpecYaml(BenchNames.WarmUpDataset) }, warm);

            // As before every timed load: the warm-up's writes are flushed before the timed load starts.
            await DatasetBenchmark.SettleAsync(postgres is null ? null : DatasetBenchmark.PsqlEnvironment(postgres));
        }

        var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var paused = GC.GetTotalPauseDuration();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var input = File.OpenRead(file);
        var summary = await engine.LoadAsync(
            new DatasetUpload { DatasetName = BenchNames.Dataset, FileName = Path.GetFileName(file), SpecYaml = DetentionStayGenerator.SpecYaml(BenchNames.Dataset) }, input);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var collections = new GcCounts(GC.CollectionCount(0) - gcs.Item1, GC.CollectionCount(1) - gcs.Item2, GC.CollectionCount(2) - gcs.Item3,
            Math.Round((GC.GetTotalPauseDuration() - paused).TotalSeconds, 3));
        Console.WriteLine(JsonSerializer.Serialize(
            new LoadResult(seconds, summary.RowsRead, summary.RowsStored, summary.RowsQuarantined, Memory.OwnPeakMiB(), collections, Math.Round(cpuSeconds, 3))));
        return 0;
    }
}

/// <summary>
/// What a child load reports: its time, rows, the process's peak resident set, the collections during the load and the
/// CPU the process used during the load (all its threads: reading, converting and storing run on tasks of their own).
/// </summary>
internal sealed record LoadResult(double Seconds, long RowsRead, long RowsStored, long RowsQuarantined, double PeakRssMiB, GcCounts? Collections = null,
    double? CpuSeconds = null);

/// <summary>Garbage collections of each generation during a load (a gen1 collection counts in Gen0 as well), and the time the GC paused the process.</summary>
internal sealed record GcCounts(int Gen0, int Gen1, int Gen2, double PauseSeconds = 0);

internal static class BenchNames
{
    public const string Dataset = "bench-stays";

    /// <summary>Where a warm load's warm-up file goes (its own dataset: the timed load starts the same either way).</summary>
    public const string WarmUpDataset = "bench-warm-up";
}

/// <summary>Peak resident set sizes from /proc (Linux): a process's own, or another's sampled while it runs.</summary>
internal static class Memory
{
    public static double OwnPeakMiB() => PeakMiB("/proc/self/status") ?? Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;

    /// <summary>VmHWM (peak resident set) of a process in MiB, or null when /proc does not say.</summary>
    public static double? PeakMiB(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
            // the process has exited
        }
        catch (UnauthorizedAccessException)
        {
            // not ours to read
        }

        return null;
    }

    /// <summary>Runs a process to the end, sampling its peak resident set every 20 ms; returns wall time, peak and output.</summary>
    public static async Task<(double Seconds, double? PeakMiB, string Stdout, string Stderr, int ExitCode)> RunAsync(ProcessStartInfo info, string? stdin = null)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = stdin is not null;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        double? peak = null;
        var status = $"/proc/{process.Id}/status";
        while (!process.HasExited)
        {
            if (PeakMiB(status) is { } p)
            {
                peak = Math.Max(peak ?? 0, p);
            }

            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(20));
        }

        await process.WaitForExitAsync();
        return (clock.Elapsed.TotalSeconds, peak, await stdout, await stderr, process.ExitCode);
    }
}
