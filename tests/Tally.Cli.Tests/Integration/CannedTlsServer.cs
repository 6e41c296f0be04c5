using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Tally.Grpc;
using Tally.Testing;

namespace Tally.Cli.Tests.Integration;

/// <summary>The canned server over TLS (h2, ALPN), with a certificate from a throwaway CA for localhost and 127.0.0.1.</summary>
public sealed class CannedTlsServer : CannedServer
{
    public CannedTlsServer() : this(new TestPki("Canned CA")) { }

    private CannedTlsServer(TestPki pki) : this(pki, pki.IssueServer()) { }

    private CannedTlsServer(TestPki pki, IssuedCertificate certificate) : base(l => l.UseHttps(certificate.Certificate)) => Pki = pki;

    internal TestPki Pki { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Pki.Dispose();
    }
}

/// <summary>
/// The canned server over mutual TLS: a client certificate issued by <see cref="Pki"/>'s CA is required. Its own
/// certificate names "localhost" only (so that 127.0.0.1 shows a name mismatch).
/// </summary>
public sealed class CannedMtlsServer : CannedServer
{
    public CannedMtlsServer() : this(new TestPki("Canned mTLS CA")) { }

    private CannedMtlsServer(TestPki pki) : this(pki, pki.IssueServer("canned-mtls", "localhost")) { }

    private CannedMtlsServer(TestPki pki, IssuedCertificate certificate) : base(l => l.UseHttps(new HttpsConnectionAdapterOptions
    {
        ServerCertificate = certificate.Certificate,
        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
        ClientCertificateValidation = (client, _, _) => IssuedBy(pki, client),
    })) => Pki = pki;

    internal TestPki Pki { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Pki.Dispose();
    }

    private static bool IssuedBy(TestPki pki, X509Certificate2 client)
    {
        using var chain = new X509Chain { ChainPolicy = TlsFiles.TrustOnly([pki.Ca], TlsFiles.ClientAuthentication) };
        return chain.Build(client);
    }
}
