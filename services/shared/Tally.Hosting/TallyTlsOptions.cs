using Microsoft.Extensions.Options;
using Tally.Grpc;

namespace Tally.Hosting;

/// <summary>Whether the gRPC port asks clients for a certificate (mutual TLS).</summary>
public enum TlsClientCertificateMode
{
    /// <summary>Clients are not asked for a certificate.</summary>
    None,

    /// <summary>A client may present a certificate; if it does, it must chain to <see cref="TallyTlsOptions.ClientCa"/>.</summary>
    Allow,

    /// <summary>Mutual TLS: a connection without a certificate that chains to <see cref="TallyTlsOptions.ClientCa"/> is refused.</summary>
    Require,
}

/// <summary>
/// Transport security, section "Tally:Tls" (env Tally__Tls__Enabled etc.). Two halves:
/// the server's gRPC port (<see cref="Enabled"/>, <see cref="Certificate"/>/<see cref="Key"/> or <see cref="Pfx"/>,
/// <see cref="ClientCertificateMode"/>, <see cref="ClientCa"/>), and outgoing calls to other services at https://
/// addresses (<see cref="ServerCa"/>, <see cref="ClientCertificate"/>/<see cref="ClientKey"/>). The HTTP/1.1 port
/// (/metrics, /healthz, /readyz) stays plaintext. docs/security.md explains the choices.
/// </summary>
public sealed class TallyTlsOptions
{
    public const string SectionName = "Tally:Tls";

    /// <summary>Serve the gRPC port over TLS (HTTP/2 negotiated with ALPN "h2"; no cleartext h2c, no HTTP/1.1).</summary>
    public bool Enabled { get; set; }

    /// <summary>PEM file with the server certificate first, then any intermediates (the chain is sent to clients).</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM file with the certificate's private key (unencrypted); unset: the key is in <see cref="Certificate"/>.</summary>
    public string? Key { get; set; }

    /// <summary>Instead of <see cref="Certificate"/>/<see cref="Key"/>: a PKCS#12 (.pfx/.p12) file with certificate and key.</summary>
    public string? Pfx { get; set; }

    /// <summary>Password of <see cref="Pfx"/>, if it has one (give it from a Secret).</summary>
    public string? PfxPassword { get; set; }

    /// <summary>Ask gRPC clients for a certificate: None (default), Allow, or Require (mutual TLS).</summary>
    public TlsClientCertificateMode ClientCertificateMode { get; set; } = TlsClientCertificateMode.None;

    /// <summary>PEM bundle of the CA(s) client certificates must chain to; the system store is not consulted. Needed for Allow and Require.</summary>
    public string? ClientCa { get; set; }

    /// <summary>
    /// How often the server certificate files are read again, so that a renewed certificate (a Secret update) is served
    /// on new connections without a restart; 0 turns it off. A file that fails to load keeps the previous certificate.
    /// </summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Outgoing https:// calls: PEM bundle of the CA(s) other services' certificates must chain to; unset: the system store.</summary>
    public string? ServerCa { get; set; }

    /// <summary>Outgoing https:// calls: PEM file of the client certificate to present (mutual TLS); with <see cref="ClientKey"/>.</summary>
    public string? ClientCertificate { get; set; }

    /// <summary>PEM file with <see cref="ClientCertificate"/>'s private key; unset: the key is in that file.</summary>
    public string? ClientKey { get; set; }

    /// <summary>The gRPC port's transport, for logs: "h2c" or "TLS, h2[, client certificate …]".</summary>
    internal string Describe() => !Enabled ? "h2c" : ClientCertificateMode switch
    {
        TlsClientCertificateMode.Require => "TLS, h2, client certificate required",
        TlsClientCertificateMode.Allow => "TLS, h2, client certificate allowed",
        _ => "TLS, h2",
    };
}

/// <summary>
/// Checks <see cref="TallyTlsOptions"/> at start by loading every file it names, so that a missing or unreadable file,
/// a key that does not match, or a bundle without a CA stops the host with the setting and the file in the message.
/// </summary>
internal sealed class TallyTlsOptionsValidator : IValidateOptions<TallyTlsOptions>
{
    private const string Prefix = TallyTlsOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, TallyTlsOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled)
        {
            ValidateServer(options, failures);
        }
        else
        {
            if (options.ClientCertificateMode != TlsClientCertificateMode.None)
            {
                failures.Add($"{Prefix}ClientCertificateMode={options.ClientCertificateMode} needs {Prefix}Enabled=true (client certificates are a TLS feature)");
            }
        }
        if (options.ReloadInterval < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}ReloadInterval must not be negative (got {options.ReloadInterval}); 0 turns reloading off");
        }
        if (Set(options.ServerCa))
        {
            Try(failures, nameof(TallyTlsOptions.ServerCa), () => TlsFiles.LoadAuthorities(options.ServerCa!));
        }
        if (Set(options.ClientKey) && !Set(options.ClientCertificate))
        {
            failures.Add($"{Prefix}ClientKey is set but {Prefix}ClientCertificate is not: give both, or neither");
        }
        if (Set(options.ClientCertificate))
        {
            Try(failures, Set(options.ClientKey) ? nameof(TallyTlsOptions.ClientCertificate) + "/" + nameof(TallyTlsOptions.ClientKey) : nameof(TallyTlsOptions.ClientCertificate),
                () => TlsFiles.LoadCertificateWithKey(options.ClientCertificate!, Set(options.ClientKey) ? options.ClientKey : null, out _));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateServer(TallyTlsOptions options, List<string> failures)
    {
        if (Set(options.Pfx))
        {
            if (Set(options.Certificate) || Set(options.Key))
            {
                failures.Add($"{Prefix}Pfx and {Prefix}Certificate/{Prefix}Key are two ways to give the server certificate: set one of them");
            }
            else
            {
                Try(failures, nameof(TallyTlsOptions.Pfx), () => TlsFiles.LoadPkcs12(options.Pfx!, options.PfxPassword, out _));
            }
        }
        else if (!Set(options.Certificate))
        {
            failures.Add($"{Prefix}Enabled=true needs the server certificate: {Prefix}Certificate (PEM) and {Prefix}Key, or {Prefix}Pfx");
        }
        else
        {
            Try(failures, Set(options.Key) ? "Certificate/Key" : nameof(TallyTlsOptions.Certificate),
                () => TlsFiles.LoadCertificateWithKey(options.Certificate!, Set(options.Key) ? options.Key : null, out _));
        }
        if (options.ClientCertificateMode != TlsClientCertificateMode.None)
        {
            if (!Set(options.ClientCa))
            {
                failures.Add($"{Prefix}ClientCertificateMode={options.ClientCertificateMode} needs {Prefix}ClientCa: the PEM bundle of the CA that issues client certificates");
            }
            else
            {
                Try(failures, nameof(TallyTlsOptions.ClientCa), () => TlsFiles.LoadAuthorities(options.ClientCa!));
            }
        }
        else if (Set(options.ClientCa))
        {
            failures.Add($"{Prefix}ClientCa is set but {Prefix}ClientCertificateMode is None: set it to Allow or Require, or remove {Prefix}ClientCa");
        }
    }

    private static bool Set(string? value) => !string.IsNullOrWhiteSpace(value);

    private static void Try(List<string> failures, string setting, Func<object> load)
    {
        try
        {
            if (load() is IDisposable d) d.Dispose();
        }
        catch (TlsFileException e)
        {
            failures.Add($"{Prefix}{setting}: {e.Message}");
        }
    }
}
