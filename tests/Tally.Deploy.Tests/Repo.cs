using System.Diagnostics;
using System.Text;

namespace Tally.Deploy.Tests;

/// <summary>Paths in the repository, and running its scripts and tools as child processes.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>
    /// Runs a program with stdin at end-of-file and KUBECONFIG=/dev/null (nothing may reach a cluster or wait for
    /// input), bounded by <paramref name="timeout"/>; the whole process tree is killed when it runs over.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["KUBECONFIG"] = "/dev/null";
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var output = new StringBuilder();
        var lockObj = new Lock();
        void Append(string? line)
        {
            if (line is null) return;
            lock (lockObj) output.AppendLine(line);
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Append($"[killed after {timeout.TotalSeconds:0} s]");
            return new ProcessResult(-1, output.ToString());
        }
        process.WaitForExit(); // drains the redirected streams
        return new ProcessResult(process.ExitCode, output.ToString());
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")) && Directory.Exists(Path.Combine(dir.FullName, "helm")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No repository root (Platform.sln + helm/) above {AppContext.BaseDirectory}.");
    }
}

internal sealed record ProcessResult(int ExitCode, string Output)
{
    /// <summary>The last lines, for assertion messages.</summary>
    public string Tail(int lines = 60) => string.Join('\n', Output.TrimEnd().Split('\n').TakeLast(lines));
}
