namespace Tally.Cli.Infrastructure;

/// <summary>The server to talk to: --server, else TALLY_SERVER, else http://127.0.0.1:7400.</summary>
internal static class ServerAddress
{
    public const string Default = "http://127.0.0.1:7400";
    public const string Variable = "TALLY_SERVER";

    /// <summary>
    /// Accepts "http://host:port", "https://host:port" or a bare "host:port" (cleartext h2c, as `make run` serves).
    /// </summary>
    public static Uri Resolve(string? option, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var (text, from) = !string.IsNullOrWhiteSpace(option) ? (option.Trim(), "--server")
            : getVariable(Variable) is { Length: > 0 } env && !string.IsNullOrWhiteSpace(env) ? (env.Trim(), Variable)
            : (Default, "the default");
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            throw new CliUsageException(
                $"server address '{text}' (from {from}) is not HOST:PORT or http(s)://HOST:PORT, e.g. 127.0.0.1:7400");
        }
        return uri;
    }
}
