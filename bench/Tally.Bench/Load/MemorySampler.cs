using System.Globalization;

namespace Tally.Bench.Load;

/// <summary>
/// Reads the memory of the server processes: resident set size from <c>/proc/PID/status</c> (VmRSS, what the kernel
/// holds for the process) and, when the process exposes /metrics, the GC heap (<c>dotnet_gc_heap_size_bytes</c>,
/// services/shared/Tally.Telemetry), which separates managed growth from native growth.
/// </summary>
internal sealed class MemorySampler(IReadOnlyList<WatchedProcess> processes) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly HashSet<string> _gone = new(StringComparer.Ordinal);

    /// <summary>Processes whose /proc entry disappeared (they exited), with when it was noticed.</summary>
    public List<string> Exited { get; } = [];

    /// <summary>Scrapes of /metrics that failed (the reading then has no GC heap).</summary>
    public int FailedScrapes { get; private set; }

    public async Task<List<MemorySample>> SampleAsync(double seconds)
    {
        var samples = new List<MemorySample>(processes.Count);
        foreach (var p in processes)
        {
            var rss = ReadRss(p.Pid);
            if (rss is null)
            {
                if (_gone.Add(p.Name))
                {
                    Exited.Add(string.Create(CultureInfo.InvariantCulture, $"{p.Name} (pid {p.Pid}) exited {seconds:0.0} s into the measured window"));
                }

                continue;
            }

            samples.Add(new MemorySample(p.Name, seconds, rss.Value, p.Metrics is null ? null : await GcHeapAsync(p.Metrics)));
        }

        return samples;
    }

    /// <summary>VmRSS of a process in bytes, or null when it does not exist (any more).</summary>
    internal static long? ReadRss(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        return ParseVmRss(lines);
    }

    /// <summary>"VmRSS:	  123456 kB" → 123456 × 1024; null when the line is missing (a zombie has none).</summary>
    internal static long? ParseVmRss(IEnumerable<string> statusLines)
    {
        foreach (var line in statusLines)
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = line["VmRSS:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[1] == "kB" && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb))
            {
                return kb * 1024;
            }
        }

        return null;
    }

    /// <summary>The value of an unlabelled gauge in Prometheus text exposition, or null.</summary>
    internal static double? ParseGauge(string exposition, string name)
    {
        foreach (var line in exposition.AsSpan().EnumerateLines())
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] == ' ')
            {
                var value = line[(name.Length + 1)..].Trim();
                var space = value.IndexOf(' '); // an optional timestamp follows
                if (double.TryParse(space < 0 ? value : value[..space], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                {
                    return v;
                }
            }
        }

        return null;
    }

    private async Task<long?> GcHeapAsync(Uri metrics)
    {
        try
        {
            var text = await _http.GetStringAsync(metrics);
            return ParseGauge(text, "dotnet_gc_heap_size_bytes") is { } v ? (long)v : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            FailedScrapes++;
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
