using Tally.Testing;

namespace Tally.Cli.Tests.Integration;

/// <summary>
/// The real all-in-one host with mutual TLS on its gRPC port (Tally:Tls): its certificate names localhost, client
/// certificates must come from the same throwaway CA, and its own service-to-service calls (to https://localhost:port)
/// present <see cref="SelfClient"/>. <see cref="Reporter"/> is a certificate for the CLI.
/// </summary>
public sealed class AllInOneTlsProcess : AllInOneProcess
{
    public AllInOneTlsProcess() : this(new TestPki("All-in-one CA")) { }

    private AllInOneTlsProcess(TestPki pki) : this(pki, pki.IssueServer("tally-allinone"), pki.IssueClient("tally-allinone"), pki.IssueClient("reporter")) { }

    private AllInOneTlsProcess(TestPki pki, IssuedCertificate server, IssuedCertificate self, IssuedCertificate reporter) : base(() => new Dictionary<string, string>
    {
        ["Tally__Tls__Enabled"] = "true",
        ["Tally__Tls__Certificate"] = server.CertificateFile,
        ["Tally__Tls__Key"] = server.KeyFile,
        ["Tally__Tls__ClientCertificateMode"] = "Require",
        ["Tally__Tls__ClientCa"] = pki.CaFile,
        ["Tally__Tls__ServerCa"] = pki.CaFile,
        ["Tally__Tls__ClientCertificate"] = self.CertificateFile,
        ["Tally__Tls__ClientKey"] = self.KeyFile,
    })
    {
        Pki = pki;
        SelfClient = self;
        Reporter = reporter;
    }

    internal TestPki Pki { get; }
    internal IssuedCertificate SelfClient { get; }
    internal IssuedCertificate Reporter { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Pki.Dispose();
    }
}

/// <summary>The CLI against the real all-in-one over mutual TLS: answering needs the host's own calls between its services, over TLS too.</summary>
public sealed class CliAgainstAllInOneTlsTests(AllInOneTlsProcess host) : IClassFixture<AllInOneTlsProcess>
{
    [AllInOneFact]
    public async Task Ask_OverMutualTls_IsAnsweredWithTheAnnualReportFigure()
    {
        var result = await CliRunner.RunAsync("--server", host.Address.GetLeftPart(UriPartial.Authority), "--timeout", "60s",
            "--ca", host.Pki.CaFile, "--cert", host.Reporter.CertificateFile, "--key", host.Reporter.KeyFile,
            "ask", "How many people did ICE remove in fiscal year 2024?");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}\n{host.Log()}");
        Assert.StartsWith(" ANSWERED ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("271,484", result.Stdout, StringComparison.Ordinal);
    }

    [AllInOneFact]
    public async Task Health_WithoutAClientCertificate_IsRefused()
    {
        var result = await CliRunner.RunAsync("--server", host.Address.GetLeftPart(UriPartial.Authority), "--ca", host.Pki.CaFile, "health");

        Assert.Equal(3, result.ExitCode);
        Assert.True(result.Stderr.Contains("hint: the server may require a client certificate (mutual TLS)", StringComparison.Ordinal), result.Stderr);
    }
}
