using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Grpc;

namespace Tally.Hosting;

/// <summary>
/// TLS on the gRPC port (Tally:Tls). Kestrel asks for the TLS settings per connection, so each new connection gets
/// the certificate loaded last: the files are read again every <see cref="TallyTlsOptions.ReloadInterval"/> and a
/// changed certificate replaces the old one (a file that fails to load keeps the old one, with a warning).
/// ALPN offers "h2" only (the port is HTTP/2-only); TLS 1.2 and 1.3. With client certificates, the chain is built
/// against <see cref="TallyTlsOptions.ClientCa"/> alone. Kestrel exposes the result to handlers as
/// <c>HttpContext.Request.IsHttps</c> and <c>HttpContext.Connection.ClientCertificate</c>.
/// </summary>
internal sealed partial class GrpcPortTls : IDisposable
{
    private readonly TallyTlsOptions _options;
    private readonly ILogger<GrpcPortTls> _logger;
    private readonly X509ChainPolicy? _clientPolicy;
    private readonly ITimer? _timer;
    private readonly Lock _reloadLock = new();
    private volatile Loaded? _current;
    private byte[]? _failedFingerprint;

    public GrpcPortTls(IOptions<TallyTlsOptions> options, ILogger<GrpcPortTls> logger, TimeProvider? time = null)
    {
        _options = options.Value; // validated: a bad file has stopped the host by now
        _logger = logger;
        if (!_options.Enabled)
        {
            return;
        }
        _current = Load();
        if (_options.ClientCertificateMode != TlsClientCertificateMode.None)
        {
            _clientPolicy = TlsFiles.TrustOnly(TlsFiles.LoadAuthorities(_options.ClientCa!), TlsFiles.ClientAuthentication);
        }
        if (_options.ReloadInterval > TimeSpan.Zero)
        {
            _timer = (time ?? TimeProvider.System).CreateTimer(_ => Reload(), null, _options.ReloadInterval, _options.ReloadInterval);
        }
    }

    public bool Enabled => _options.Enabled;

    /// <summary>The certificate new connections get.</summary>
    public X509Certificate2? Certificate => _current?.Certificate;

    /// <summary>Makes a listener serve TLS with this port's settings (nothing when Tally:Tls:Enabled is false).</summary>
    public void Configure(ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        if (!_options.Enabled)
        {
            return;
        }
        // ALPN comes from the listener's protocols (HTTP/2 only: "h2"), as Kestrel fills it in when the callback leaves it unset.
        listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = OnConnection });
    }

    public void Dispose() => _timer?.Dispose();

    private ValueTask<SslServerAuthenticationOptions> OnConnection(TlsHandshakeCallbackContext context)
    {
        var mode = _options.ClientCertificateMode;
        return ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _current!.Context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = mode != TlsClientCertificateMode.None,
            CertificateChainPolicy = _clientPolicy?.Clone(),
            RemoteCertificateValidationCallback = mode == TlsClientCertificateMode.None ? null : ValidateClientCertificate,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        });
    }

    /// <summary>The chain was built with <see cref="_clientPolicy"/> (ClientCa only, clientAuth usage); decide and say why.</summary>
    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            if (_options.ClientCertificateMode == TlsClientCertificateMode.Allow)
            {
                return true;
            }
            LogClientCertificateMissing(_logger);
            return false;
        }
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        LogClientCertificateRefused(_logger, TlsFiles.Describe(presented), TlsFiles.DescribeProblems(errors, chain), _options.ClientCa!);
        return false;
    }

    private void Reload()
    {
        lock (_reloadLock)
        {
            byte[] fingerprint;
            try
            {
                fingerprint = Fingerprint();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogReloadFailed(_logger, e.Message);
                return;
            }
            if (fingerprint.AsSpan().SequenceEqual(_current!.Fingerprint) || fingerprint.AsSpan().SequenceEqual(_failedFingerprint))
            {
                return;
            }
            try
            {
                var loaded = Load();
                _current = loaded;
                _failedFingerprint = null;
                LogReloaded(_logger, TlsFiles.Describe(loaded.Certificate));
            }
            catch (Exception e)
            {
                // Never let the timer thread throw (it would end the process); say it once per version of the files.
                _failedFingerprint = fingerprint;
                LogReloadFailed(_logger, e.Message);
            }
        }
    }

    private Loaded Load()
    {
        var fingerprint = Fingerprint();
        X509Certificate2Collection chain;
        var certificate = !string.IsNullOrWhiteSpace(_options.Pfx)
            ? TlsFiles.LoadPkcs12(_options.Pfx, _options.PfxPassword, out chain)
            : TlsFiles.LoadCertificateWithKey(_options.Certificate!, string.IsNullOrWhiteSpace(_options.Key) ? null : _options.Key, out chain);
        // offline: the chain is what the files hold (plus the system store); nothing is downloaded while serving.
        var context = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        return new Loaded(context, certificate, fingerprint);
    }

    /// <summary>SHA-256 over the files' bytes: cheap for a few KB, and right whatever the file system says about times.</summary>
    private byte[] Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in new[] { _options.Pfx, _options.Certificate, _options.Key })
        {
            if (!string.IsNullOrWhiteSpace(path))
            {
                hash.AppendData(File.ReadAllBytes(path));
            }
        }
        return hash.GetHashAndReset();
    }

    private sealed record Loaded(SslStreamCertificateContext Context, X509Certificate2 Certificate, byte[] Fingerprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a TLS connection on the gRPC port: no client certificate (Tally:Tls:ClientCertificateMode is Require)")]
    private static partial void LogClientCertificateMissing(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Refused a TLS connection on the gRPC port: client certificate {Certificate} does not chain to Tally:Tls:ClientCa ({ClientCa}): {Problems}")]
    private static partial void LogClientCertificateRefused(ILogger logger, string certificate, string problems, string clientCa);

    [LoggerMessage(Level = LogLevel.Information, Message = "The gRPC port now serves the renewed certificate {Certificate}")]
    private static partial void LogReloaded(ILogger logger, string certificate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The gRPC port's certificate files changed but cannot be loaded; the previous certificate stays in use: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
