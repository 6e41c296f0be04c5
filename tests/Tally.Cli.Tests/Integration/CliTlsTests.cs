using Tally.Cli.Infrastructure;
using Tally.Testing;

namespace Tally.Cli.Tests.Integration;

/// <summary>The CLI against https:// servers: --ca / TALLY_CA, and what it says when the server's certificate is not trusted.</summary>
public sealed class CliTlsTests(CannedTlsServer server) : IClassFixture<CannedTlsServer>
{
    private string Https => server.Address.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task WithTheCa_AskSucceeds()
    {
        var result = await CliRunner.RunAsync("--server", Https, "--ca", server.Pki.CaFile, "ask", "How many people did ICE deport in 2024?");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("271,484", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTheCaFromTheEnvironment_AskSucceeds()
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string> { [ClientTls.CaVariable] = server.Pki.CaFile, ["TALLY_SERVER"] = Https },
            "ask", "How many people did ICE deport in 2024?");

        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public async Task WithoutTheCa_Exit3_SaysTheCertificateIsNotTrustedAndWhichCaToPass()
    {
        var result = await CliRunner.RunAsync("--server", Https, "ask", "How many?");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        var lines = result.Stderr.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length); // one error line and one hint: no stack trace
        Assert.StartsWith($"error: UNAVAILABLE: TLS handshake with {Https}/ failed: the server's certificate CN=tally-test-server, O=Tally tests " +
            "(issued by CN=Canned CA, O=Tally tests, valid until ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("it is not trusted: no CA the client trusts issued it (RemoteCertificateChainErrors: PartialChain)", lines[0], StringComparison.Ordinal);
        Assert.Equal("hint: the server's certificate was issued by CN=Canned CA, O=Tally tests, which this machine does not trust: " +
            "pass that CA's certificate (PEM) with --ca FILE, or set TALLY_CA=FILE", lines[1]);
    }

    [Fact]
    public async Task WithAnotherCa_Exit3_NamesTheFileGiven()
    {
        using var other = new TestPki("Other CA");

        var result = await CliRunner.RunAsync("--server", Https, "--ca", other.CaFile, "health");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.EndsWith($"hint: the server's certificate was issued by CN=Canned CA, O=Tally tests, and the CA in {other.CaFile} (--ca) is not that one: " +
            "pass the CA certificate of CN=Canned CA, O=Tally tests with --ca FILE\n", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaFileMissing_Exit2_NamesFlagAndFile()
    {
        var missing = Path.Combine(server.Pki.Directory, "missing.crt");

        var result = await CliRunner.RunAsync("--server", Https, "--ca", missing, "health");

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Equal($"error: --ca: {missing} does not exist\n", result.Stderr);
    }

    [Fact]
    public async Task CleartextToTheTlsPort_Exit3_SuggestsHttps()
    {
        var bare = server.Address.Authority; // HOST:PORT means http://

        var result = await CliRunner.RunAsync("--server", bare, "health");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.EndsWith($"hint: if the server serves TLS, connect with --server https://{bare}\n", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsFlagsForACleartextServer_Exit2()
    {
        var result = await CliRunner.RunAsync("--server", "127.0.0.1:1", "--ca", server.Pki.CaFile, "health");

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Equal("error: --ca applies to TLS servers only, and the server is http://127.0.0.1:1: give it as https://127.0.0.1:1\n", result.Stderr);
    }

    [Fact]
    public async Task KeyWithoutCert_Exit2()
    {
        var result = await CliRunner.RunAsync("--server", Https, "--key", server.Pki.CaFile, "health");

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Equal("error: --key is given without --cert (TALLY_CERT): give the client certificate as well\n", result.Stderr);
    }
}

/// <summary>The CLI against a server that requires a client certificate (mutual TLS): --cert / --key.</summary>
public sealed class CliMtlsTests(CannedMtlsServer server) : IClassFixture<CannedMtlsServer>
{
    private string Localhost => $"https://localhost:{server.Address.Port}";

    [Fact]
    public async Task WithAClientCertificateFromTheServersCa_Succeeds()
    {
        var client = server.Pki.IssueClient("reporter");

        var result = await CliRunner.RunAsync("--server", Localhost, "--ca", server.Pki.CaFile, "--cert", client.CertificateFile, "--key", client.KeyFile,
            "ask", "How many people did ICE deport in 2024?");

        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public async Task WithTheClientCertificateFromTheEnvironment_Succeeds()
    {
        var client = server.Pki.IssueClient("reporter");

        var result = await CliRunner.RunAsync(new Dictionary<string, string>
        {
            ["TALLY_SERVER"] = Localhost, ["TALLY_CA"] = server.Pki.CaFile, ["TALLY_CERT"] = client.CertificateFile, ["TALLY_KEY"] = client.KeyFile,
        }, "ask", "How many people did ICE deport in 2024?");

        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public async Task WithoutAClientCertificate_Exit3_SaysToPassOne()
    {
        var result = await CliRunner.RunAsync("--server", Localhost, "--ca", server.Pki.CaFile, "ask", "How many?");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.EndsWith("hint: the server may require a client certificate (mutual TLS): pass --cert FILE --key FILE, or set TALLY_CERT and TALLY_KEY\n",
            result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAClientCertificateFromAnotherCa_Exit3_NamesTheFile()
    {
        using var other = new TestPki("Other CA");
        var stranger = other.IssueClient("stranger");

        var result = await CliRunner.RunAsync("--server", Localhost, "--ca", server.Pki.CaFile, "--cert", stranger.CertificateFile, "--key", stranger.KeyFile, "health");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.EndsWith($"hint: the server may require a client certificate issued by a CA it trusts, and did not accept {stranger.CertificateFile} (--cert)\n",
            result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByAnAddressTheCertificateDoesNotName_Exit3_SaysWhichNamesItHolds()
    {
        var result = await CliRunner.RunAsync("--server", $"https://127.0.0.1:{server.Address.Port}", "--ca", server.Pki.CaFile, "health");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("it is not valid for '127.0.0.1' (it names localhost)", result.Stderr, StringComparison.Ordinal);
        Assert.EndsWith($"hint: the certificate is valid for localhost, not 127.0.0.1: connect to one of those names, e.g. --server https://localhost:{server.Address.Port}\n",
            result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyThatDoesNotMatchTheCertificate_Exit2_NamesBothFiles()
    {
        var (a, b) = (server.Pki.IssueClient("a"), server.Pki.IssueClient("b"));

        var result = await CliRunner.RunAsync("--server", Localhost, "--cert", a.CertificateFile, "--key", b.KeyFile, "health");

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.StartsWith($"error: --key: the private key in {b.KeyFile} does not belong to the certificate in {a.CertificateFile}", result.Stderr, StringComparison.Ordinal);
    }
}
