using System.Diagnostics;
using System.Globalization;

namespace Tally.Telemetry.Internal;

/// <summary>process_* and dotnet_* metrics, read at scrape time (from /proc on Linux where that is the source).</summary>
internal static class BuiltinMetrics
{
    private static readonly double StartTimeSeconds = ReadStartTime();

    public static void AddProcess(SortedDictionary<string, MetricFamily> families)
    {
        Add(families, "process_cpu_seconds_total", MetricType.Counter,
            "Total user and system CPU time spent in seconds.", Environment.CpuUsage.TotalTime.TotalSeconds);
        Add(families, "process_start_time_seconds", MetricType.Gauge,
            "Start time of the process since unix epoch in seconds.", StartTimeSeconds);

        var (virtualBytes, residentBytes) = ReadStatm();
        Add(families, "process_virtual_memory_bytes", MetricType.Gauge, "Virtual memory size in bytes.", virtualBytes);
        Add(families, "process_resident_memory_bytes", MetricType.Gauge, "Resident memory size in bytes.", residentBytes);

        if (!OperatingSystem.IsLinux()) return;
        try
        {
            Add(families, "process_open_fds", MetricType.Gauge, "Number of open file descriptors.",
                Directory.EnumerateFileSystemEntries("/proc/self/fd").Count());
            if (ReadMaxFds() is { } max)
            {
                Add(families, "process_max_fds", MetricType.Gauge, "Maximum number of open file descriptors.", max);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public static void AddRuntime(SortedDictionary<string, MetricFamily> families, long exceptions)
    {
        var collections = Family(families, "dotnet_gc_collections_total", MetricType.Counter,
            "Number of garbage collections since the process started, by generation.");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            collections?.SeriesFor($"generation=\"{generation}\"").Value = GC.CollectionCount(generation);
        }
        Add(families, "dotnet_gc_heap_size_bytes", MetricType.Gauge,
            "GC heap size in bytes as of the last garbage collection.", GC.GetGCMemoryInfo().HeapSizeBytes);
        Add(families, "dotnet_gc_allocated_bytes_total", MetricType.Counter,
            "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes());
        Add(families, "dotnet_gc_pause_seconds_total", MetricType.Counter,
            "Total time the runtime was paused for garbage collection, in seconds.", GC.GetTotalPauseDuration().TotalSeconds);
        Add(families, "dotnet_total_memory_bytes", MetricType.Gauge,
            "Bytes currently thought to be allocated on the managed heap.", GC.GetTotalMemory(forceFullCollection: false));
        // Named without the "_count" of the brief: promtool reserves that suffix for histograms and summaries.
        Add(families, "dotnet_threadpool_threads", MetricType.Gauge,
            "Number of thread pool threads that currently exist.", ThreadPool.ThreadCount);
        Add(families, "dotnet_threadpool_queue_length", MetricType.Gauge,
            "Number of work items queued to the thread pool and not yet started.", ThreadPool.PendingWorkItemCount);
        Add(families, "dotnet_threadpool_completed_items_total", MetricType.Counter,
            "Number of work items the thread pool has completed.", ThreadPool.CompletedWorkItemCount);
        Add(families, "dotnet_lock_contentions_total", MetricType.Counter,
            "Number of times a Monitor lock was contended.", Monitor.LockContentionCount);
        Add(families, "dotnet_exceptions_total", MetricType.Counter,
            "Number of exceptions thrown (first chance) since the exporter started.", exceptions);
    }

    private static void Add(SortedDictionary<string, MetricFamily> families, string name, MetricType type, string help, double value)
    {
        Family(families, name, type, help)?.SeriesFor("").Value = value;
    }

    private static MetricFamily? Family(SortedDictionary<string, MetricFamily> families, string name, MetricType type, string help)
    {
        if (families.ContainsKey(name)) return null;
        var family = new MetricFamily(name, type, help, null);
        families.Add(name, family);
        return family;
    }

    private static double ReadStartTime()
    {
        using var process = Process.GetCurrentProcess();
        return (process.StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;
    }

    private static (double Virtual, double Resident) ReadStatm()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // /proc/self/statm: size resident shared text lib data dt, in pages.
                var fields = File.ReadAllText("/proc/self/statm").Split(' ', StringSplitOptions.RemoveEmptyEntries);
                double page = Environment.SystemPageSize;
                return (long.Parse(fields[0], CultureInfo.InvariantCulture) * page,
                        long.Parse(fields[1], CultureInfo.InvariantCulture) * page);
            }
        }
        catch (IOException) { }
        catch (FormatException) { }
        using var process = Process.GetCurrentProcess();
        return (process.VirtualMemorySize64, Environment.WorkingSet);
    }

    private static double? ReadMaxFds()
    {
        // "Max open files            1048576              1048576              files": the soft limit.
        foreach (var line in File.ReadLines("/proc/self/limits"))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return soft == "unlimited" ? null : double.Parse(soft, CultureInfo.InvariantCulture);
        }
        return null;
    }
}
