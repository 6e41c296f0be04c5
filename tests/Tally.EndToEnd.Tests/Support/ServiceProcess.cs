using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Tally.EndToEnd.Tests.Support;

/// <summary>
/// One Tally service host as a real process (`dotnet Tally.X.Host.dll`) with its own environment, its output kept
/// (the last lines, and the whole of it in a log file), ready when /readyz on its HTTP port answers 200.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 400;
    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly StreamWriter _file;

    private ServiceProcess(string name, Process process, int grpcPort, int httpPort, string logFile)
    {
        Name = name;
        _process = process;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        LogFile = logFile;
        _file = new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true };
    }

    public string Name { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public int Pid => _process.Id;

    public string LogFile { get; }

    /// <summary>The gRPC address, as Tally:Services and clients take it.</summary>
    public string Address => $"http://127.0.0.1:{GrpcPort}";

    public bool HasExited => _process.HasExited;

    /// <param name="service">query, ingestion, definitions or citations.</param>
    /// <param name="name">Name in messages and of the log file, e.g. "query-b".</param>
    public static ServiceProcess Start(string service, string name, IReadOnlyDictionary<string, string> environment, int grpcPort, int httpPort, string workDirectory)
    {
        var dll = HostBuild.DllOf(service);
        Directory.CreateDirectory(workDirectory);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["Tally__Host__BindAddress"] = "127.0.0.1";
        start.Environment["Tally__Host__GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["Tally__Host__HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // Workstation GC: eight processes share a small machine in these tests.
        start.Environment["DOTNET_gcServer"] = "0";

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name} ({dll})");
        var result = new ServiceProcess(name, process, grpcPort, httpPort, Path.Combine(workDirectory, name + ".log"));
        process.OutputDataReceived += (_, e) => result.Record(e.Data);
        process.ErrorDataReceived += (_, e) => result.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return result;
    }

    /// <summary>Waits (bounded) for /readyz to answer 200; throws with the log tail when the process exits or the time is up.</summary>
    public async Task WaitReadyAsync(TimeSpan within)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + within;
        var last = "no answer yet";
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} (pid {Pid}) exited with code {_process.ExitCode} before it was ready:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException e)
            {
                last = e.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} (pid {Pid}) was not ready within {within.TotalSeconds:0} s (/readyz: {last}):\n{Tail()}");
    }

    /// <summary>The value of an unlabelled counter in the process's /metrics (0 when absent).</summary>
    public async Task<double> CounterAsync(string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{HttpPort}/metrics"));
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>SIGKILL, no goodbye: what a crash or an OOM kill looks like to the callers.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>SIGSTOP: the process keeps its sockets open and answers nothing (a hung dependency).</summary>
    public void Freeze() => Signal("STOP");

    /// <summary>SIGCONT.</summary>
    public void Thaw() => Signal("CONT");

    public string Tail(int lines = 60)
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.TakeLast(lines));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }

        _process.Dispose();
        lock (_lines)
        {
            _file.Dispose();
        }
    }

    private void Signal(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("kill", ["-" + signal, Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }

            try
            {
                _file.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // the process printed after the test let go of it
            }
        }
    }
}
