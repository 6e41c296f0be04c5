using System.CommandLine;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Tally.Grpc;

namespace Tally.Cli.Infrastructure;

/// <summary>
/// TLS for https:// servers: --ca FILE (TALLY_CA) is the PEM bundle of the CA(s) to trust instead of the system store;
/// --cert FILE --key FILE (TALLY_CERT, TALLY_KEY) a client certificate for servers that ask for one (mutual TLS).
/// The server's host name is always verified. Flags given for an http:// server are a usage error; the variables are
/// ignored there (they may be set for another server).
/// </summary>
internal sealed class ClientTls
{
    public const string CaVariable = "TALLY_CA";
    public const string CertVariable = "TALLY_CERT";
    public const string KeyVariable = "TALLY_KEY";

    private ClientTls(Setting? ca, Setting? cert, Setting? key)
    {
        Ca = ca;
        Cert = cert;
        Key = key;
    }

    /// <summary>A file and where it was named: "--ca" or "TALLY_CA".</summary>
    public sealed record Setting(string Path, string From);

    public Setting? Ca { get; }
    public Setting? Cert { get; }
    public Setting? Key { get; }

    /// <summary>The TLS files for <paramref name="server"/>, or null for an http:// server.</summary>
    /// <exception cref="CliUsageException">A flag for an http:// server, --key without --cert, or a file that cannot be used.</exception>
    public static ClientTls? Resolve(ParseResult parse, GlobalOptions globals, Func<string, string?> getVariable, Uri server)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(globals);
        ArgumentNullException.ThrowIfNull(getVariable);
        ArgumentNullException.ThrowIfNull(server);
        var flags = new[] { (globals.Ca, "--ca"), (globals.Cert, "--cert"), (globals.Key, "--key") }
            .Where(f => !string.IsNullOrWhiteSpace(parse.GetValue(f.Item1))).Select(f => f.Item2).ToArray();
        if (server.Scheme != Uri.UriSchemeHttps)
        {
            if (flags.Length > 0)
            {
                throw new CliUsageException(
                    $"{string.Join(", ", flags)} {(flags.Length == 1 ? "applies" : "apply")} to TLS servers only, and the server is {server.GetLeftPart(UriPartial.Authority)}: " +
                    $"give it as https://{server.Authority}");
            }
            return null;
        }
        var tls = new ClientTls(
            Pick(parse.GetValue(globals.Ca), "--ca", getVariable(CaVariable), CaVariable),
            Pick(parse.GetValue(globals.Cert), "--cert", getVariable(CertVariable), CertVariable),
            Pick(parse.GetValue(globals.Key), "--key", getVariable(KeyVariable), KeyVariable));
        if (tls.Key is not null && tls.Cert is null)
        {
            throw new CliUsageException($"{tls.Key.From} is given without --cert ({CertVariable}): give the client certificate as well");
        }
        return tls;
    }

    /// <summary>The channel's TLS settings; loads the files (<see cref="CliUsageException"/> naming flag and file when one cannot be used).</summary>
    public SslClientAuthenticationOptions CreateSslOptions()
    {
        var options = new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 };
        if (Ca is not null)
        {
            options.CertificateChainPolicy = TlsFiles.TrustOnly(Load(Ca, () => TlsFiles.LoadAuthorities(Ca.Path)), TlsFiles.ServerAuthentication);
        }
        if (Cert is not null)
        {
            X509Certificate2Collection chain = [];
            var certificate = Load(Key ?? Cert, () => TlsFiles.LoadCertificateWithKey(Cert.Path, Key?.Path, out chain));
            options.ClientCertificateContext = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        }
        return options;
    }

    private static Setting? Pick(string? flag, string flagName, string? variable, string variableName) =>
        !string.IsNullOrWhiteSpace(flag) ? new Setting(flag.Trim(), flagName)
        : !string.IsNullOrWhiteSpace(variable) ? new Setting(variable.Trim(), variableName)
        : null;

    private static T Load<T>(Setting setting, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (TlsFileException e)
        {
            throw new CliUsageException($"{setting.From}: {e.Message}");
        }
    }
}
