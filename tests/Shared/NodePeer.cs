using System.Diagnostics;
using System.Text;

namespace Tally.Testing;

/// <summary>The Node interop peer in tests/interop-node: checks it is installed and runs its scripts.</summary>
internal static class NodePeer
{
    private static readonly Lazy<string> LazyDirectory = new(FindDirectory);

    /// <summary>tests/interop-node of this checkout.</summary>
    public static string Directory => LazyDirectory.Value;

    /// <summary>Throws with what to do when node or the npm packages are missing.</summary>
    public static void EnsureInstalled()
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException(
                $"{Path.Combine(Directory, "node_modules")} is missing @grpc/grpc-js: run scripts/install-deps.sh " +
                "(it runs `npm ci` in tests/interop-node), or `npm ci` in that directory yourself.");
        }
    }

    /// <summary>Starts `node script args` in tests/interop-node with stdout and stderr captured.</summary>
    public static Process Start(string script, IEnumerable<string> args, bool redirectInput = false)
    {
        EnsureInstalled();
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            return Process.Start(info) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Cannot run `node` ({ex.Message}): install Node.js 20+ and run scripts/install-deps.sh.", ex);
        }
    }

    /// <summary>Runs a script to its end (bounded): exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, IEnumerable<string> args, TimeSpan timeout)
    {
        using var process = Start(script, args);
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.WhenAll(stdout, stderr);
            throw new TimeoutException($"node {script} did not finish within {timeout.TotalSeconds:0} s. Output so far:\n{output}");
        }
        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString());
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into)
            {
                into.AppendLine(line);
            }
        }
    }

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "interop-node");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"tests/interop-node/package.json was not found above {AppContext.BaseDirectory}.");
    }
}
