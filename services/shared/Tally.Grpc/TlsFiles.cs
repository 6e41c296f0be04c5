using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tally.Grpc;

/// <summary>A TLS file that cannot be used: the message names the file and says what is wrong with it.</summary>
public sealed class TlsFileException : Exception
{
    public TlsFileException() : this("", "The TLS file cannot be used.") { }
    public TlsFileException(string message) : this("", message) { }
    public TlsFileException(string message, Exception innerException) : this("", message, innerException) { }

    public TlsFileException(string path, string message, Exception? innerException = null) : base(message, innerException) => Path = path;

    /// <summary>The file the message is about.</summary>
    public string Path { get; } = "";
}

/// <summary>
/// Reads TLS material from files — PEM certificates, PEM private keys, PKCS#12 — for servers, service-to-service
/// clients and the CLI alike, with errors that name the file (<see cref="TlsFileException"/>), and builds the chain
/// policies that trust a given CA bundle only.
/// </summary>
public static class TlsFiles
{
    /// <summary>id-kp-serverAuth: what a server's certificate must be good for.</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth: what a client's certificate must be good for.</summary>
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private static readonly string[] PrivateKeyLabels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

    /// <summary>Every certificate of a PEM file (other PEM blocks, e.g. a key, are skipped); at least one.</summary>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        var text = ReadText(path);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException(path, $"{path} holds a PEM certificate that cannot be read: {e.Message}", e);
        }
        if (certificates.Count == 0)
        {
            throw new TlsFileException(path, $"{path} holds no certificate (expected PEM blocks \"-----BEGIN CERTIFICATE-----\")");
        }
        return certificates;
    }

    /// <summary>
    /// A CA bundle: the certificates a peer's chain must end in. Self-signed (root) certificates become trust
    /// anchors; others (intermediates) only help to build the chain. The bundle must hold at least one root.
    /// </summary>
    public static X509Certificate2Collection LoadAuthorities(string path)
    {
        var certificates = LoadCertificates(path);
        if (!certificates.Any(IsSelfSigned))
        {
            throw new TlsFileException(path,
                $"{path} holds no root (self-signed) CA certificate, only {Describe(certificates[0])}: add the root CA the chain ends in");
        }
        return certificates;
    }

    /// <summary>
    /// A certificate with its private key: the first certificate of <paramref name="certificatePath"/> (later ones are
    /// its chain, returned in <paramref name="chain"/>) and the key in <paramref name="keyPath"/>, or in the certificate
    /// file itself when null. Keys: PKCS#8 "PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY"; not encrypted.
    /// </summary>
    public static X509Certificate2 LoadCertificateWithKey(string certificatePath, string? keyPath, out X509Certificate2Collection chain)
    {
        var certificates = LoadCertificates(certificatePath);
        var certificateText = ReadText(certificatePath);
        var keyFile = keyPath ?? certificatePath;
        var keyText = keyPath is null ? certificateText : ReadText(keyPath);
        var labels = PemLabels(keyText);
        if (labels.Contains("ENCRYPTED PRIVATE KEY"))
        {
            throw new TlsFileException(keyFile,
                $"{keyFile} holds an encrypted private key, which Tally cannot use: decrypt it (openssl pkey -in {keyFile} -out key.pem) and keep it in a Secret");
        }
        if (!labels.Any(l => PrivateKeyLabels.Contains(l, StringComparer.Ordinal)))
        {
            throw new TlsFileException(keyFile, keyPath is null
                ? $"{keyFile} holds no private key: give the key file as well (expected a PEM block \"-----BEGIN PRIVATE KEY-----\")"
                : $"{keyFile} holds no private key (expected a PEM block \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\")");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException) // a key of another algorithm or another certificate
        {
            throw new TlsFileException(keyFile,
                $"the private key in {keyFile} does not belong to the certificate in {certificatePath} ({Describe(certificates[0])}), or cannot be read: {e.Message}", e);
        }
        chain = new X509Certificate2Collection();
        for (var i = 1; i < certificates.Count; i++)
        {
            chain.Add(certificates[i]);
        }
        return Persistable(certificate);
    }

    /// <summary>A PKCS#12 (.pfx/.p12) file: the certificate that has a private key, and the others as its chain.</summary>
    public static X509Certificate2 LoadPkcs12(string path, string? password, out X509Certificate2Collection chain)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, e);
        }
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(bytes, password, EphemeralIfSupported());
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException(path, $"{path} cannot be opened as PKCS#12 (wrong password, or not a .pfx/.p12 file): {e.Message}", e);
        }
        var withKey = all.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new TlsFileException(path, $"{path} holds no certificate with a private key");
        chain = new X509Certificate2Collection();
        foreach (var c in all)
        {
            if (!ReferenceEquals(c, withKey)) chain.Add(c);
        }
        return withKey;
    }

    /// <summary>
    /// A chain policy that trusts <paramref name="authorities"/> only (not the system store) and requires the peer's
    /// certificate to be good for <paramref name="purposeOid"/> (<see cref="ServerAuthentication"/> or
    /// <see cref="ClientAuthentication"/>; a certificate without the extended key usage extension is good for any).
    /// Revocation is not checked: private CAs rarely publish revocation lists; keep certificates short-lived instead.
    /// </summary>
    public static X509ChainPolicy TrustOnly(X509Certificate2Collection authorities, string purposeOid)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        foreach (var certificate in authorities)
        {
            (IsSelfSigned(certificate) ? policy.CustomTrustStore : policy.ExtraStore).Add(certificate);
        }
        policy.ApplicationPolicy.Add(new Oid(purposeOid));
        return policy;
    }

    /// <summary>"CN=tally-query (issued by CN=Tally CA, valid until 2026-01-01)".</summary>
    public static string Describe(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var until = certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return IsSelfSigned(certificate)
            ? $"{certificate.Subject} (self-signed, valid until {until})"
            : $"{certificate.Subject} (issued by {certificate.Issuer}, valid until {until})";
    }

    /// <summary>"RemoteCertificateChainErrors: PartialChain, NotTimeValid" — the policy errors and the chain's statuses.</summary>
    public static string DescribeProblems(System.Net.Security.SslPolicyErrors errors, X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => s.Status.ToString()).Distinct().ToArray() ?? [];
        return statuses.Length == 0 ? errors.ToString() : $"{errors}: {string.Join(", ", statuses)}";
    }

    private static bool IsSelfSigned(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static string ReadText(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new TlsFileException(path ?? "", "no file name given");
        }
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, e);
        }
    }

    private static TlsFileException Unreadable(string path, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => new TlsFileException(path, $"{path} does not exist", e),
        UnauthorizedAccessException => new TlsFileException(path, $"{path} cannot be read (permission denied)", e),
        _ when Directory.Exists(path) => new TlsFileException(path, $"{path} is a directory, not a file", e),
        _ => new TlsFileException(path, $"{path} cannot be read: {e.Message}", e),
    };

    private static List<string> PemLabels(string text)
    {
        var labels = new List<string>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            labels.Add(rest[fields.Label].ToString());
            rest = rest[fields.Location.End..];
        }
        return labels;
    }

    /// <summary>Windows' TLS stack cannot use a key that lives only in memory (as PEM keys do): give it a PKCS#12 copy.</summary>
    private static X509Certificate2 Persistable(X509Certificate2 certificate)
    {
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }

    /// <summary>Keys from a PKCS#12 file stay in memory on Linux; Windows' TLS stack and macOS need them in a key store.</summary>
    private static X509KeyStorageFlags EphemeralIfSupported() =>
        OperatingSystem.IsLinux() ? X509KeyStorageFlags.EphemeralKeySet : X509KeyStorageFlags.DefaultKeySet;
}
