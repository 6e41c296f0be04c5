using System.Diagnostics;

namespace Tally.Telemetry.Tests;

/// <summary>Runs `promtool check metrics` (Debian package "prometheus") on a scrape.</summary>
internal static class Promtool
{
    public const string SkipVariable = "TALLY_SKIP_PROMTOOL";

    public static bool Skipped => Environment.GetEnvironmentVariable(SkipVariable) == "1";

    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "promtool"))
        .FirstOrDefault(File.Exists);

    /// <returns>promtool's exit code and everything it printed (empty when the scrape is clean).</returns>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string path, string exposition)
    {
        var start = new ProcessStartInfo(path, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}
