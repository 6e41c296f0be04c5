using System.Net.Security;
using Tally.Grpc;

namespace Tally.Cli.Infrastructure;

/// <summary>Turns a failure into one clear line on stderr (plus a hint when there is one) and an exit code.</summary>
internal static class ErrorReporter
{
    public static int Report(CliEnvironment env, RpcException exception, Uri server, TimeSpan timeout, ClientTls? tls = null)
    {
        var status = exception.Status;
        var detail = OneLine(status.Detail);
        env.Error.WriteLine(detail.Length == 0
            ? $"error: {ExitCodes.StatusName(status.StatusCode)}"
            : $"error: {ExitCodes.StatusName(status.StatusCode)}: {detail}");
        var hint = TlsHint(status, server, tls) ?? Hint(status.StatusCode, server, timeout);
        if (hint is not null)
        {
            env.Error.WriteLine($"hint: {hint}");
        }
        return ExitCodes.FromStatus(status.StatusCode);
    }

    public static int Report(CliEnvironment env, string message, int exitCode)
    {
        env.Error.WriteLine($"error: {OneLine(message)}");
        return exitCode;
    }

    internal static string? Hint(StatusCode code, Uri server, TimeSpan timeout) => code switch
    {
        StatusCode.Unavailable =>
            $"is Tally running at {Display(server)}? start it with `make run`, or point --server / TALLY_SERVER at it",
        StatusCode.Unauthenticated =>
            "pass an API key with --token or TALLY_TOKEN (an admin creates one with `tally keys create`)",
        StatusCode.PermissionDenied =>
            "your key's role does not allow this; `tally whoami` shows it, an admin can create a key with the needed role",
        StatusCode.DeadlineExceeded =>
            $"no answer within {TimeoutOption.Format(timeout)}; allow longer with --timeout (e.g. --timeout 2m)",
        _ => null,
    };

    /// <summary>What to do about a TLS failure: which CA to pass, which name to connect to, which client certificate.</summary>
    internal static string? TlsHint(Status status, Uri server, ClientTls? tls)
    {
        if (status.StatusCode != StatusCode.Unavailable || status.DebugException is null)
        {
            return null;
        }
        if (Find<ServerCertificateException>(status.DebugException) is { } refused)
        {
            if (refused.Errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            {
                return tls?.Ca is { } ca
                    ? $"the server's certificate was issued by {refused.Issuer}, and the CA in {ca.Path} ({ca.From}) is not that one: pass the CA certificate of {refused.Issuer} with --ca FILE"
                    : $"the server's certificate was issued by {refused.Issuer}, which this machine does not trust: pass that CA's certificate (PEM) with --ca FILE, or set {ClientTls.CaVariable}=FILE";
            }
            if (refused.Errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && refused.Names.Count > 0)
            {
                return $"the certificate is valid for {string.Join(", ", refused.Names)}, not {refused.TargetHost}: connect to one of those names, e.g. --server https://{HostForUri(refused.Names[0])}:{server.Port}";
            }
            return null;
        }
        if (ConnectionFailures.ClosedBeforeHttp2(status.DebugException))
        {
            return server.Scheme != Uri.UriSchemeHttps
                ? $"if the server serves TLS, connect with --server https://{server.Authority}"
                : tls?.Cert is { } cert
                    ? $"the server may require a client certificate issued by a CA it trusts, and did not accept {cert.Path} ({cert.From})"
                    : $"the server may require a client certificate (mutual TLS): pass --cert FILE --key FILE, or set {ClientTls.CertVariable} and {ClientTls.KeyVariable}";
        }
        return null;
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
        }
        return null;
    }

    private static string HostForUri(string name) => name.Contains(':', StringComparison.Ordinal) ? $"[{name}]" : name;

    private static string Display(Uri server) => server.GetLeftPart(UriPartial.Authority);

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
