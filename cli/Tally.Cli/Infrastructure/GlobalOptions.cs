using System.CommandLine;

namespace Tally.Cli.Infrastructure;

/// <summary>Options every command takes (recursive on the root): where the server is, how long a call may take, TLS files.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = $"Tally server, HOST:PORT or http(s)://HOST:PORT [default: ${ServerAddress.Variable} or {ServerAddress.Default}]",
        HelpName = "ADDRESS",
        Recursive = true,
    };

    public Option<TimeSpan?> Timeout { get; } = TimeoutOption.Create();

    /// <summary>Environment variable holding the bearer token when --token is not given.</summary>
    public const string TokenVariable = "TALLY_TOKEN";

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"API key (tly_…) or JWT sent as `authorization: Bearer …` [default: ${TokenVariable}; none = anonymous, reader on loopback]",
        HelpName = "TOKEN",
        Recursive = true,
    };

    public Option<string?> Ca { get; } = new("--ca")
    {
        Description = $"PEM file of the CA that issued an https:// server's certificate, trusted instead of the system store [default: ${ClientTls.CaVariable}]",
        HelpName = "FILE",
        Recursive = true,
    };

    public Option<string?> Cert { get; } = new("--cert")
    {
        Description = $"PEM client certificate for an https:// server that asks for one (mutual TLS), with --key [default: ${ClientTls.CertVariable}]",
        HelpName = "FILE",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"PEM private key of --cert (unencrypted) [default: ${ClientTls.KeyVariable}; none: the key is in the --cert file]",
        HelpName = "FILE",
        Recursive = true,
    };
}

/// <summary>What every command factory needs: the environment to write to and the global options to read.</summary>
internal sealed record CliContext(CliEnvironment Env, GlobalOptions Globals);
