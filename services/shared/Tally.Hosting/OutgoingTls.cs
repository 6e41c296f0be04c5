using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tally.Grpc;

namespace Tally.Hosting;

/// <summary>
/// TLS of calls to other Tally services at https:// addresses (Tally:Tls): the server must present a certificate that
/// chains to <see cref="TallyTlsOptions.ServerCa"/> (else the system store) and names the host of the address (host
/// name verification is never turned off); <see cref="TallyTlsOptions.ClientCertificate"/> is presented when the
/// server asks (mutual TLS).
/// </summary>
internal sealed class OutgoingTls
{
    private readonly X509ChainPolicy? _serverPolicy;
    private readonly SslStreamCertificateContext? _clientCertificate;

    public OutgoingTls(IOptions<TallyTlsOptions> options)
    {
        var o = options.Value; // validated: a bad file has stopped the host by now
        if (!string.IsNullOrWhiteSpace(o.ServerCa))
        {
            _serverPolicy = TlsFiles.TrustOnly(TlsFiles.LoadAuthorities(o.ServerCa), TlsFiles.ServerAuthentication);
        }
        if (!string.IsNullOrWhiteSpace(o.ClientCertificate))
        {
            var key = string.IsNullOrWhiteSpace(o.ClientKey) ? null : o.ClientKey;
            var certificate = TlsFiles.LoadCertificateWithKey(o.ClientCertificate, key, out var chain);
            _clientCertificate = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        }
    }

    /// <summary>
    /// TLS settings for a channel to an https:// address (the channel sets the host to verify and ALPN). No
    /// validation callback: .NET's own verdict then names what is wrong ("…errors in the certificate chain:
    /// UntrustedRoot", "…RemoteCertificateNameMismatch"), and that text reaches the caller's UNAVAILABLE status.
    /// </summary>
    public SslClientAuthenticationOptions Create() => new()
    {
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CertificateChainPolicy = _serverPolicy?.Clone(),
        ClientCertificateContext = _clientCertificate,
    };
}

/// <summary>Registers Tally:Tls (options, validation at start, the gRPC port's and outgoing calls' TLS) once.</summary>
public static class TallyTlsServiceCollectionExtensions
{
    public static IServiceCollection AddTallyTls(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(OutgoingTls)))
        {
            return services;
        }
        services.AddOptions<TallyTlsOptions>().BindConfiguration(TallyTlsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TallyTlsOptions>, TallyTlsOptionsValidator>());
        services.TryAddSingleton<GrpcPortTls>();
        services.TryAddSingleton<OutgoingTls>();
        return services;
    }
}
