using Tally.Cli.Infrastructure;

namespace Tally.Cli.Tests.Integration;

/// <summary>Runs the CLI's entry point in-process with captured stdout/stderr, as a redirected terminal would.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await Program.RunAsync(args, CliEnvironment.ForWriters(stdout, stderr, environment));
        return new Result(exit, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(null, args);
}
