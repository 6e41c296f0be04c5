using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tally.Testing;

/// <summary>A certificate a <see cref="TestPki"/> issued, with its PEM files (certificate, unencrypted PKCS#8 key).</summary>
internal sealed record IssuedCertificate(X509Certificate2 Certificate, string CertificateFile, string KeyFile);

/// <summary>
/// A throwaway PKI made at test time (nothing committed): a root CA and the server and client certificates it issues
/// (ECDSA P-256), written as PEM files into a temporary directory that goes away on dispose. Linked into the test
/// projects that need TLS (tests/Shared/TestPki.cs).
/// </summary>
internal sealed class TestPki : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private int _files;

    public TestPki(string caName = "Tally Test CA", string? directory = null)
    {
        Directory = directory ?? System.IO.Directory.CreateTempSubdirectory("tally-pki-").FullName;
        OwnsDirectory = directory is null;
        var request = new CertificateRequest($"CN={caName}, O=Tally tests", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
        CaFile = Write("ca.crt", Ca.ExportCertificatePem());
    }

    /// <summary>Where the PEM files are.</summary>
    public string Directory { get; }

    private bool OwnsDirectory { get; }

    /// <summary>The root CA (with its key).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The CA certificate as PEM, i.e. what clients pass as --ca / Tally:Tls:ServerCa.</summary>
    public string CaFile { get; }

    /// <summary>A server certificate (serverAuth) for the given names; default SANs: localhost and 127.0.0.1.</summary>
    public IssuedCertificate IssueServer(string commonName = "tally-test-server", params string[] names) =>
        Issue(commonName, ServerAuth, names.Length == 0 ? ["localhost", "127.0.0.1"] : names);

    /// <summary>A client certificate (clientAuth) with this common name.</summary>
    public IssuedCertificate IssueClient(string commonName) => Issue(commonName, ClientAuth, []);

    /// <summary>Writes <paramref name="text"/> to a new file in <see cref="Directory"/>; returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, $"{Interlocked.Increment(ref _files):D2}-{name}");
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        _caKey.Dispose();
        if (OwnsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // a server still holding a file open: the temp folder is cleaned up by the OS
            }
        }
    }

    private IssuedCertificate Issue(string commonName, string usage, string[] names)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256); // lives as long as the certificate that holds it
        var request = new CertificateRequest($"CN={commonName}, O=Tally tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (names.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in names)
            {
                if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
                else san.AddDnsName(name);
            }
            request.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), serial);
        var certificate = issued.CopyWithPrivateKey(key);
        var slug = string.Concat(commonName.Select(c => char.IsLetterOrDigit(c) ? c : '-'));
        return new IssuedCertificate(certificate,
            Write($"{slug}.crt", certificate.ExportCertificatePem()),
            Write($"{slug}.key", key.ExportPkcs8PrivateKeyPem()));
    }
}
