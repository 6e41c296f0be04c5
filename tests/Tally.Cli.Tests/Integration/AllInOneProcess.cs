using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Tally.Testing;

namespace Tally.Cli.Tests.Integration;

/// <summary>
/// The real all-in-one host (services/allinone/Tally.AllInOne), started as its own process from its build output
/// on free loopback ports with in-memory storage, and stopped (its process tree) on dispose. Tests that use it are
/// <see cref="AllInOneFactAttribute"/>s: they skip, saying why, when the host has not been built.
/// </summary>
public class AllInOneProcess : IAsyncLifetime
{
    private static readonly string[] Configurations = ["Release", "Debug"];
    private readonly Func<IReadOnlyDictionary<string, string>>? _environment;
    private Process? _process;
    private readonly List<string> _log = [];

    public AllInOneProcess() : this(null) { }

    /// <param name="environment">More environment variables for the host (e.g. Tally__Tls__*); the gRPC address becomes https://localhost:port when they turn TLS on.</param>
    protected AllInOneProcess(Func<IReadOnlyDictionary<string, string>>? environment) => _environment = environment;

    public Uri Address { get; private set; } = null!;

    /// <summary>The newest Tally.AllInOne.dll under the project's bin/, or null when it has not been built.</summary>
    public static string? BuiltDll { get; } = FindDll();

    public async Task InitializeAsync()
    {
        if (BuiltDll is null)
        {
            return;
        }
        var (grpcPort, httpPort) = FreePorts.Two();
        var start = new ProcessStartInfo("dotnet", [BuiltDll])
        {
            WorkingDirectory = Path.GetDirectoryName(BuiltDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Tally__Host__GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["Tally__Host__HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["Tally__Storage__InMemory"] = "true";
        // The CLI tests ingest and define without keys: loopback callers edit here (auth is tested in Tally.Security.Tests).
        start.Environment["Tally__Auth__AnonymousLoopbackRole"] = "editor";
        start.Environment["Tally__Bus__Transport"] = "inmemory";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var tls = false;
        foreach (var (name, value) in _environment?.Invoke() ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
            tls |= name == "Tally__Tls__Enabled" && value == "true";
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the all-in-one host");
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Address = new Uri(tls ? $"https://localhost:{grpcPort}" : $"http://127.0.0.1:{grpcPort}");

        // Ready when /readyz on the HTTP port says so; give a cold start (catalog load, JIT) up to 60 s.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the all-in-one host exited with {_process.ExitCode}:\n{Log()}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"the all-in-one host was not ready within 60 s:\n{Log()}");
            }
            await Task.Delay(200);
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }

    public string Log()
    {
        lock (_log)
        {
            return string.Join('\n', _log.TakeLast(40));
        }
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Add(line);
            }
        }
    }

    private static string? FindDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var project = Path.Combine(dir.FullName, "services", "allinone", "Tally.AllInOne");
            if (Directory.Exists(project))
            {
                return Configurations
                    .Select(c => new FileInfo(Path.Combine(project, "bin", c, "net10.0", "Tally.AllInOne.dll")))
                    .Where(f => f.Exists)
                    .OrderByDescending(f => f.LastWriteTimeUtc)
                    .FirstOrDefault()?.FullName;
            }
        }
        return null;
    }

}

/// <summary>A fact that runs only when the all-in-one host has been built (make build, or make test).</summary>
public sealed class AllInOneFactAttribute : FactAttribute
{
    public AllInOneFactAttribute()
    {
        if (AllInOneProcess.BuiltDll is null)
        {
            Skip = "services/allinone/Tally.AllInOne is not built (no bin/{Release,Debug}/net10.0/Tally.AllInOne.dll); run `make build` first";
        }
    }
}
