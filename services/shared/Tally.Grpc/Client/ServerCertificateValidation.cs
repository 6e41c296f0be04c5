using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Tally.Grpc;

/// <summary>
/// The server's TLS certificate was refused by the client. Found as the inner exception of a failed call's
/// <see cref="Status.DebugException"/> (status UNAVAILABLE): what was wrong, whose certificate, who issued it.
/// </summary>
public sealed class ServerCertificateException : AuthenticationException
{
    public ServerCertificateException() { }
    public ServerCertificateException(string message) : base(message) { }
    public ServerCertificateException(string message, Exception innerException) : base(message, innerException) { }

    internal ServerCertificateException(string message, string targetHost, SslPolicyErrors errors, string? subject, string? issuer, IReadOnlyList<string> names)
        : base(message)
    {
        TargetHost = targetHost;
        Errors = errors;
        Subject = subject;
        Issuer = issuer;
        Names = names;
    }

    /// <summary>The host name the certificate was checked against (the address's host).</summary>
    public string TargetHost { get; } = "";

    /// <summary>What was wrong: RemoteCertificateChainErrors (not issued by a trusted CA, expired …), RemoteCertificateNameMismatch, RemoteCertificateNotAvailable.</summary>
    public SslPolicyErrors Errors { get; }

    /// <summary>The certificate's subject, e.g. "CN=tally-query"; null when the server sent none.</summary>
    public string? Subject { get; }

    /// <summary>Who issued it, e.g. "CN=Tally CA": the CA a client must trust to accept it.</summary>
    public string? Issuer { get; }

    /// <summary>The DNS names and IP addresses in its subjectAltName.</summary>
    public IReadOnlyList<string> Names { get; } = [];
}

/// <summary>
/// Wraps a channel's certificate validation so that a refusal says why in words (<see cref="ServerCertificateException"/>)
/// instead of "rejected by the provided RemoteCertificateValidationCallback".
/// </summary>
internal static class ServerCertificateValidation
{
    public static RemoteCertificateValidationCallback Wrap(RemoteCertificateValidationCallback? inner) => (sender, certificate, chain, errors) =>
    {
        var accepted = inner is null ? errors == SslPolicyErrors.None : inner(sender, certificate, chain, errors);
        return accepted ? accepted : throw Describe((sender as SslStream)?.TargetHostName ?? "", certificate, chain, errors);
    };

    internal static ServerCertificateException Describe(string host, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return new ServerCertificateException("the server presented no certificate", host, errors, null, null, []);
        }
        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var names = SubjectAlternativeNames(presented);
        var reasons = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            reasons.Add($"it is not trusted: no CA the client trusts issued it ({TlsFiles.DescribeProblems(SslPolicyErrors.RemoteCertificateChainErrors, chain)})");
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            reasons.Add($"it is not valid for '{host}' (it names {(names.Count == 0 ? "no host in a subjectAltName" : string.Join(", ", names))})");
        }
        if (reasons.Count == 0)
        {
            reasons.Add($"it was refused ({errors})");
        }
        return new ServerCertificateException($"the server's certificate {TlsFiles.Describe(presented)}: {string.Join("; ", reasons)}",
            host, errors, presented.Subject, presented.Issuer, names);
    }

    private static List<string> SubjectAlternativeNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(extension.EnumerateDnsNames());
            names.AddRange(extension.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }
        return names;
    }
}
