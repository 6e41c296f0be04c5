using System.CommandLine;

namespace Tally.Cli.Infrastructure;

/// <summary>Options every command takes (recursive on the root): where the server is and how long a call may take.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = $"Tally server, HOST:PORT or http(s)://HOST:PORT [default: ${ServerAddress.Variable} or {ServerAddress.Default}]",
        HelpName = "ADDRESS",
        Recursive = true,
    };

    public Option<TimeSpan?> Timeout { get; } = TimeoutOption.Create();
}

/// <summary>What every command factory needs: the environment to write to and the global options to read.</summary>
internal sealed record CliContext(CliEnvironment Env, GlobalOptions Globals);
