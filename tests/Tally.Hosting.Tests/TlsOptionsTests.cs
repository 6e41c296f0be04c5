using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tally.Testing;

namespace Tally.Hosting.Tests;

/// <summary>Tally:Tls is checked at start by loading its files: each bad setting stops the host naming the setting and the file.</summary>
public sealed class TlsOptionsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task CertificateFileMissing_NamesSettingAndFile()
    {
        var missing = Path.Combine(_pki.Directory, "nope.crt");
        var server = _pki.IssueServer();

        var message = await StartFailureAsync(new() { ["Tally:Tls:Enabled"] = "true", ["Tally:Tls:Certificate"] = missing, ["Tally:Tls:Key"] = server.KeyFile });

        Assert.Contains($"Tally:Tls:Certificate/Key: {missing} does not exist", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyFileWithoutAPrivateKey_NamesSettingAndFile()
    {
        var server = _pki.IssueServer();

        var message = await StartFailureAsync(new() { ["Tally:Tls:Enabled"] = "true", ["Tally:Tls:Certificate"] = server.CertificateFile, ["Tally:Tls:Key"] = _pki.CaFile });

        Assert.Contains($"Tally:Tls:Certificate/Key: {_pki.CaFile} holds no private key", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateWithoutKeySetting_AndNoKeyInTheFile_SaysToGiveTheKey()
    {
        var server = _pki.IssueServer();

        var message = await StartFailureAsync(new() { ["Tally:Tls:Enabled"] = "true", ["Tally:Tls:Certificate"] = server.CertificateFile });

        Assert.Contains($"Tally:Tls:Certificate: {server.CertificateFile} holds no private key: give the key file as well", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyOfAnotherCertificate_NamesBothFiles()
    {
        var (server, other) = (_pki.IssueServer("a"), _pki.IssueServer("b"));

        var message = await StartFailureAsync(new() { ["Tally:Tls:Enabled"] = "true", ["Tally:Tls:Certificate"] = server.CertificateFile, ["Tally:Tls:Key"] = other.KeyFile });

        Assert.Contains($"the private key in {other.KeyFile} does not belong to the certificate in {server.CertificateFile}", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateAndKeyInOneFile_Starts()
    {
        var server = _pki.IssueServer();
        var combined = _pki.Write("combined.pem", await File.ReadAllTextAsync(server.CertificateFile) + "\n" + await File.ReadAllTextAsync(server.KeyFile));

        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Tally:Tls:Enabled"] = "true", ["Tally:Tls:Certificate"] = combined });

        Assert.Equal(server.Certificate.Thumbprint, host.App.Services.GetRequiredService<GrpcPortTls>().Certificate!.Thumbprint);
    }

    [Fact]
    public async Task EnabledWithoutACertificate_SaysWhichSettingsToGive()
    {
        var message = await StartFailureAsync(new() { ["Tally:Tls:Enabled"] = "true" });

        Assert.Contains("Tally:Tls:Enabled=true needs the server certificate: Tally:Tls:Certificate (PEM) and Tally:Tls:Key, or Tally:Tls:Pfx", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequireWithoutClientCa_SaysClientCaIsNeeded()
    {
        var server = _pki.IssueServer();

        var message = await StartFailureAsync(new()
        {
            ["Tally:Tls:Enabled"] = "true", ["Tally:Tls:Certificate"] = server.CertificateFile, ["Tally:Tls:Key"] = server.KeyFile,
            ["Tally:Tls:ClientCertificateMode"] = "Require",
        });

        Assert.Contains("Tally:Tls:ClientCertificateMode=Require needs Tally:Tls:ClientCa", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCaWithoutARootCertificate_NamesTheFile()
    {
        var server = _pki.IssueServer();
        var leafOnly = _pki.IssueClient("not-a-ca");

        var message = await StartFailureAsync(new()
        {
            ["Tally:Tls:Enabled"] = "true", ["Tally:Tls:Certificate"] = server.CertificateFile, ["Tally:Tls:Key"] = server.KeyFile,
            ["Tally:Tls:ClientCertificateMode"] = "require", ["Tally:Tls:ClientCa"] = leafOnly.CertificateFile,
        });

        Assert.Contains($"Tally:Tls:ClientCa: {leafOnly.CertificateFile} holds no root (self-signed) CA certificate", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificateModeWithoutTls_IsRefused()
    {
        var message = await StartFailureAsync(new() { ["Tally:Tls:ClientCertificateMode"] = "Allow" });

        Assert.Contains("Tally:Tls:ClientCertificateMode=Allow needs Tally:Tls:Enabled=true", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerCaMissing_NamesSettingAndFile()
    {
        var missing = Path.Combine(_pki.Directory, "absent", "ca.crt");

        var message = await StartFailureAsync(new() { ["Tally:Tls:ServerCa"] = missing });

        Assert.Contains($"Tally:Tls:ServerCa: {missing} does not exist", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientKeyWithoutClientCertificate_IsRefused()
    {
        var message = await StartFailureAsync(new() { ["Tally:Tls:ClientKey"] = _pki.IssueClient("c").KeyFile });

        Assert.Contains("Tally:Tls:ClientKey is set but Tally:Tls:ClientCertificate is not", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PfxWithTheWrongPassword_NamesTheFile()
    {
        var pfx = Path.Combine(_pki.Directory, "server.pfx");
        await File.WriteAllBytesAsync(pfx, _pki.IssueServer().Certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "right"));

        var message = await StartFailureAsync(new() { ["Tally:Tls:Enabled"] = "true", ["Tally:Tls:Pfx"] = pfx, ["Tally:Tls:PfxPassword"] = "wrong" });

        Assert.Contains($"Tally:Tls:Pfx: {pfx} cannot be opened as PKCS#12 (wrong password, or not a .pfx/.p12 file)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_NeedsNoFiles()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Tally:Tls:Enabled"] = "false" });

        Assert.Null(host.App.Services.GetRequiredService<GrpcPortTls>().Certificate);
    }

    private static async Task<string> StartFailureAsync(Dictionary<string, string?> settings)
    {
        // Kestrel reads the TLS settings while the app is built, so the failure may come from Build or from Start.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await TestHost.StartAsync(settings);
        });
        return error.Message;
    }
}
