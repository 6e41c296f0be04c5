using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tally.Bench.Load;

/// <summary>One operation's figures over the measured window (or the total over all operations).</summary>
/// <param name="FromCache">Answers served from the answer cache (asks and figure lookups; 0 for ingests).</param>
internal sealed record OperationResult(string Operation, int Weight, long Calls, double PerSecond, double P50Ms, double P99Ms, double MaxMs,
    double MeanMs, long Errors, long FromCache);

/// <summary>Failed calls of one operation with one status code; <paramref name="Example"/>: the first (up to three) distinct messages seen.</summary>
internal sealed record ErrorResult(string Operation, string Code, string Phase, long Count, string Example);

/// <summary>One memory reading of one process.</summary>
/// <param name="Seconds">Seconds after the measured window began; negative during the warm-up.</param>
/// <param name="GcHeapBytes">dotnet_gc_heap_size_bytes from its /metrics; null when not scraped or not answered.</param>
internal sealed record MemorySample(string Process, double Seconds, long RssBytes, long? GcHeapBytes);

/// <summary>Calls and errors counted in the measured window so far, at a moment of the run.</summary>
internal sealed record ProgressSample(double Seconds, long Calls, long Errors);

/// <summary>A sampled process and its plateau verdict.</summary>
internal sealed record ProcessResult(string Process, int Pid, long StartRssBytes, long PeakRssBytes, long MiddleMaxRssBytes, long LastMaxRssBytes,
    double GrowthPercent, long? FirstGcHeapBytes, long? LastGcHeapBytes, bool Plateaued, string Verdict);

/// <summary>Facts about the machine the run shared with its servers.</summary>
/// <param name="LoadBefore">/proc/loadavg before the servers of this mode were started (from the script), else at the driver's start.</param>
internal sealed record MachineFacts(int Cores, string CpuModel, long MemoryTotalBytes, string LoadBefore, string LoadAtStart, string LoadAfter);

/// <summary>Everything one mode's run found; written as JSON by `load`, read by `load-report`.</summary>
internal sealed record LoadResult(
    string Mode,
    string Kind,
    DateTime StartedUtc,
    int Concurrency,
    double WarmupSeconds,
    double DurationSeconds,
    double MeasuredSeconds,
    double CallTimeoutSeconds,
    string Mix,
    double SampleSeconds,
    bool TokenSent,
    string Query,
    string Ingestion,
    MachineFacts Machine,
    IReadOnlyList<OperationResult> Operations,
    OperationResult Total,
    IReadOnlyList<ErrorResult> Errors,
    string PlateauRule,
    IReadOnlyList<ProcessResult> Processes,
    IReadOnlyList<MemorySample> Memory,
    IReadOnlyList<ProgressSample> Progress,
    bool Passed,
    IReadOnlyList<string> Failures,
    IReadOnlyDictionary<string, long>? BusyRetries = null)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };
}
