using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tally.Grpc;
using Tally.Hosting;
using Tally.Testing;

namespace Tally.Interop.Tests;

/// <summary>
/// A Tally host as the services run it (AddServiceDefaults, Tally:Tls on its gRPC port) serving the interop
/// TestService, on free loopback ports, with certificates from a throwaway CA (<see cref="Pki"/>; the server's names
/// are localhost and 127.0.0.1).
/// </summary>
public class TallyTlsHostFixture : IAsyncLifetime
{
    private readonly string _clientCertificateMode;
    private WebApplication? _app;

    public TallyTlsHostFixture() : this("None") { }

    protected TallyTlsHostFixture(string clientCertificateMode) => _clientCertificateMode = clientCertificateMode;

    internal TestPki Pki { get; } = new("Interop CA");

    /// <summary>"127.0.0.1:port" of the TLS gRPC port.</summary>
    public string Target { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var server = Pki.IssueServer();
        var (grpcPort, httpPort) = FreePorts.Two();
        var settings = new Dictionary<string, string?>
        {
            ["Tally:Host:GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["Tally:Host:ServiceName"] = "interop-tls",
            ["Tally:Grpc:MaxReceiveMessageSize"] = (16 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
            ["Tally:Tls:Enabled"] = "true",
            ["Tally:Tls:Certificate"] = server.CertificateFile,
            ["Tally:Tls:Key"] = server.KeyFile,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (_clientCertificateMode != "None")
        {
            settings["Tally:Tls:ClientCertificateMode"] = _clientCertificateMode;
            settings["Tally:Tls:ClientCa"] = Pki.CaFile;
        }
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        // Test services are not Tally's: open them here, so these tests exercise their own subject, not authorization.
        builder.Services.Configure<Tally.Security.AdditionalAccessRules>(o =>
        {
            o.Rules["/grpc.testing.TestService/"] = Tally.Security.AccessRule.Open;
            o.Rules["/grpc.testing.UnimplementedService/"] = Tally.Security.AccessRule.Open;
        });
        _app = builder.Build();
        _app.MapServiceDefaults();
        _app.MapGrpcService<InteropTestService>();
        await _app.StartAsync();
        Target = $"127.0.0.1:{grpcPort}";
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Pki.Dispose();
    }

}

/// <summary>The same host requiring client certificates issued by its CA (mutual TLS).</summary>
public sealed class TallyMtlsHostFixture() : TallyTlsHostFixture("Require");

/// <summary>server.js (@grpc/grpc-js) serving TLS with a certificate from a throwaway CA; our channel trusts that CA.</summary>
public class NodeTlsServerFixture : NodeServerFixture
{
    private readonly IssuedCertificate _server;

    public NodeTlsServerFixture() => _server = Pki.IssueServer();

    internal TestPki Pki { get; } = new("grpc-js server CA");

    protected override IEnumerable<string> ExtraArguments => ["--cert", _server.CertificateFile, "--key", _server.KeyFile];

    protected override GrpcChannel CreateChannel(string target) =>
        GrpcChannel.ForAddress("https://" + target, new GrpcChannelOptions { SslOptions = TrustingTheCa() });

    /// <summary>TLS settings of a client that trusts <see cref="Pki"/>'s CA only.</summary>
    internal SslClientAuthenticationOptions TrustingTheCa(IssuedCertificate? client = null) => new()
    {
        CertificateChainPolicy = TlsFiles.TrustOnly(TlsFiles.LoadAuthorities(Pki.CaFile), TlsFiles.ServerAuthentication),
        ClientCertificateContext = client is null ? null : SslStreamCertificateContext.Create(client.Certificate, null),
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Pki.Dispose();
    }
}

/// <summary>server.js requiring client certificates from its CA (mutual TLS); <see cref="NodeServerFixture.Channel"/> presents one.</summary>
public sealed class NodeMtlsServerFixture : NodeTlsServerFixture
{
    private IssuedCertificate? _client;

    protected override IEnumerable<string> ExtraArguments => [.. base.ExtraArguments, "--client-ca", Pki.CaFile];

    protected override GrpcChannel CreateChannel(string target) =>
        GrpcChannel.ForAddress("https://" + target, new GrpcChannelOptions { SslOptions = TrustingTheCa(_client ??= Pki.IssueClient("tally-interop-client")) });
}
