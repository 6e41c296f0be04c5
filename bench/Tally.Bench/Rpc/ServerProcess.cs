using System.Diagnostics;

namespace Tally.Bench.Rpc;

/// <summary>A benchmark server in its own process: started, awaited until it prints "READY port", stopped by PID.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private ServerProcess(string name, Process process, int port, Task<string> stderr)
    {
        Name = name;
        _process = process;
        Port = port;
        _stderr = stderr;
    }

    public string Name { get; }
    public int Port { get; }
    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>CPU time the server process has used so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ServerProcess> StartAsync(string name, ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true; // closing it tells the server to stop
        info.UseShellExecute = false;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{name} server did not start.");
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }
        if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal) || !int.TryParse(line.AsSpan(6), out var port))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException(
                $"{name} server did not print 'READY <port>' within 60 s (got '{line}'). stderr: {await stderr}");
        }
        _ = process.StandardOutput.ReadToEndAsync(); // keep draining
        return new ServerProcess(name, process, port, stderr);
    }

    /// <summary>Everything the server wrote to stderr, once it has exited (empty before).</summary>
    public string ErrorOutput { get; private set; } = "";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        ErrorOutput = await _stderr;
        _process.Dispose();
    }
}
