using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tally.Grpc;
using Tally.Testing;

namespace Tally.Hosting.Tests;

/// <summary>
/// Tally:Tls on real sockets: a service-defaults host with TLS on its gRPC port, called through the same service
/// clients (ServiceClients) other services use, with certificates made at test time (<see cref="TestPki"/>).
/// </summary>
public sealed class TlsTests : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    // ---- TLS, server verified by the client

    [Fact]
    public async Task TlsPort_ClientTrustingTheCa_CallSucceedsOverH2()
    {
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer()));
        using var clients = Clients(host.TlsBase, new() { ["Tally:Tls:ServerCa"] = _pki.CaFile });

        var response = await Health(clients).CheckAsync(new HealthCheckRequest(), deadline: Deadline());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task TlsPort_ClientWithoutTheCa_FailsUnavailable_SayingTheCertificateIsNotTrusted()
    {
        var server = _pki.IssueServer();
        await using var host = await TestHost.StartAsync(ServerTls(server));
        using var clients = Clients(host.TlsBase, []); // system store only: our throwaway CA is not in it

        var e = await Assert.ThrowsAsync<RpcException>(() => Health(clients).CheckAsync(new HealthCheckRequest(), deadline: Deadline()));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal($"TLS handshake with {host.TlsBase} failed: the server's certificate CN=tally-test-server, O=Tally tests " +
            $"(issued by CN=Tally Test CA, O=Tally tests, valid until {server.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}): it is not trusted: no CA the client trusts issued it " +
            "(RemoteCertificateChainErrors: PartialChain)", e.Status.Detail);
        var refused = Assert.IsType<ServerCertificateException>(e.Status.DebugException!.InnerException);
        Assert.Equal(("CN=Tally Test CA, O=Tally tests", SslPolicyErrors.RemoteCertificateChainErrors), (refused.Issuer, refused.Errors));
    }

    [Fact]
    public async Task TlsPort_ClientTrustingAnotherCa_FailsUnavailable()
    {
        using var other = new TestPki("Another CA");
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer()));
        using var clients = Clients(host.TlsBase, new() { ["Tally:Tls:ServerCa"] = other.CaFile });

        var e = await Assert.ThrowsAsync<RpcException>(() => Health(clients).CheckAsync(new HealthCheckRequest(), deadline: Deadline()));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("it is not trusted: no CA the client trusts issued it", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsPort_CertificateNotNamingTheHost_FailsWithNameMismatch()
    {
        // Host name verification stays on: a certificate for the Kubernetes name does not do for 127.0.0.1.
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer("tally-query", "tally-query", "tally-query.tally.svc")));
        using var clients = Clients(host.TlsBase, new() { ["Tally:Tls:ServerCa"] = _pki.CaFile });

        var e = await Assert.ThrowsAsync<RpcException>(() => Health(clients).CheckAsync(new HealthCheckRequest(), deadline: Deadline()));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.EndsWith("it is not valid for '127.0.0.1' (it names tally-query, tally-query.tally.svc)", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(SslPolicyErrors.RemoteCertificateNameMismatch, Assert.IsType<ServerCertificateException>(e.Status.DebugException!.InnerException).Errors);
    }

    // ---- the protocols each port speaks

    [Fact]
    public async Task TlsPort_NegotiatesH2WithAlpn()
    {
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer()));

        await using var tls = await HandshakeAsync(host.GrpcPort, [SslApplicationProtocol.Http11, SslApplicationProtocol.Http2]);

        Assert.Equal(SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
        Assert.True(tls.SslProtocol is SslProtocols.Tls12 or SslProtocols.Tls13, $"negotiated {tls.SslProtocol}");
    }

    [Fact]
    public async Task TlsPort_ClientOfferingOnlyHttp11_IsRefusedInTheHandshake()
    {
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer()));

        // ALPN offers "http/1.1" only: the port knows nothing but "h2" and ends the handshake (no_application_protocol).
        await Assert.ThrowsAsync<AuthenticationException>(() => HandshakeAsync(host.GrpcPort, [SslApplicationProtocol.Http11]));
    }

    [Fact]
    public async Task TlsPort_Http11Request_GetsNoAnswer()
    {
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer()));
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = TrustingTheCa() });

        // An HTTP/1.1 client that offers no ALPN at all: Kestrel closes the connection (h2 was not negotiated).
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(TestHost.Http11(HttpMethod.Get, new Uri(host.TlsBase, "/healthz"))));

        Assert.Equal(HttpRequestError.ResponseEnded, e.HttpRequestError);
    }

    [Fact]
    public async Task TlsPort_H2cClient_FailsUnavailable()
    {
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer()));
        using var clients = Clients(host.GrpcBase, []); // http:// to the TLS port

        var e = await Assert.ThrowsAsync<RpcException>(() => Health(clients).CheckAsync(new HealthCheckRequest(), deadline: Deadline()));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.StartsWith($"Error connecting to {host.GrpcBase}:", e.Status.Detail, StringComparison.Ordinal);
        Assert.True(e.Status.Detail.EndsWith("; if the server serves TLS, use an https:// address", StringComparison.Ordinal), $"{e.Status.Detail} ({(e.Status.DebugException as HttpRequestException)?.HttpRequestError}, inner {e.Status.DebugException?.InnerException?.GetType().Name ?? "none"})");
    }


    [Fact]
    public async Task HttpPort_StaysPlaintextHttp11_WithTlsOn()
    {
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer()));
        using var http = new HttpClient();

        using var response = await http.SendAsync(TestHost.Http11(HttpMethod.Get, new Uri(host.HttpBase, "/healthz")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // ---- what handlers see

    [Fact]
    public async Task Handler_OverTls_SeesIsHttps_AndNoClientCertificate()
    {
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer()));

        Assert.Equal("True|", await WhoAmIAsync(host, client: null));
    }

    [Fact]
    public async Task Handler_OverH2c_SeesNotHttps()
    {
        await using var host = await TestHost.StartAsync();
        using var http = new HttpClient();

        using var response = await http.SendAsync(TestHost.H2c(HttpMethod.Post, new Uri(host.GrpcBase, TestHost.WhoAmIPath)));

        Assert.Equal("False|", await response.Content.ReadAsStringAsync());
    }

    // ---- mutual TLS

    [Fact]
    public async Task MtlsRequired_ClientWithoutCertificate_IsRefused()
    {
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer(), "Require", _pki.CaFile));
        using var clients = Clients(host.TlsBase, new() { ["Tally:Tls:ServerCa"] = _pki.CaFile });

        var e = await Assert.ThrowsAsync<RpcException>(() => Health(clients).CheckAsync(new HealthCheckRequest(), deadline: Deadline()));

        // TLS 1.3: the client's handshake is done before the server looks at (the absence of) its certificate.
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.EndsWith("a server that requires a client certificate (mutual TLS) closes the connection so when none is presented", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MtlsRequired_ClientCertificateFromAnotherCa_IsRefused()
    {
        using var other = new TestPki("Untrusted client CA");
        var stranger = other.IssueClient("stranger");
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer(), "Require", _pki.CaFile));
        using var clients = Clients(host.TlsBase, new()
        {
            ["Tally:Tls:ServerCa"] = _pki.CaFile,
            ["Tally:Tls:ClientCertificate"] = stranger.CertificateFile,
            ["Tally:Tls:ClientKey"] = stranger.KeyFile,
        });

        var e = await Assert.ThrowsAsync<RpcException>(() => Health(clients).CheckAsync(new HealthCheckRequest(), deadline: Deadline()));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.EndsWith("a server that requires client certificates (mutual TLS) closes the connection so when it does not trust the one presented", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MtlsRequired_TrustedClientCertificate_CallSucceeds_AndTheHandlerSeesItsSubject()
    {
        var client = _pki.IssueClient("tally-query");
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer(), "Require", _pki.CaFile));
        using var clients = Clients(host.TlsBase, new()
        {
            ["Tally:Tls:ServerCa"] = _pki.CaFile,
            ["Tally:Tls:ClientCertificate"] = client.CertificateFile,
            ["Tally:Tls:ClientKey"] = client.KeyFile,
        });

        var response = await Health(clients).CheckAsync(new HealthCheckRequest(), deadline: Deadline());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
        Assert.Equal("True|CN=tally-query, O=Tally tests", await WhoAmIAsync(host, client));
    }

    [Fact]
    public async Task MtlsRequired_ClientCaIsTheOnlyTrust_ACertificateFromTheServersCaIsRefused()
    {
        // ClientCa is the only trust: a client certificate issued by the *server's* CA is refused when ClientCa is another CA.
        using var clientCa = new TestPki("Client CA");
        var wrong = _pki.IssueClient("signed-by-the-server-ca");
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer(), "Require", clientCa.CaFile));

        await Assert.ThrowsAsync<HttpRequestException>(() => WhoAmIAsync(host, wrong));
        Assert.Equal("True|CN=good, O=Tally tests", await WhoAmIAsync(host, clientCa.IssueClient("good")));
    }

    [Fact]
    public async Task MtlsAllowed_WithoutCertificate_IsServed_UntrustedCertificate_IsRefused()
    {
        using var other = new TestPki("Untrusted client CA");
        await using var host = await TestHost.StartAsync(ServerTls(_pki.IssueServer(), "Allow", _pki.CaFile));

        Assert.Equal("True|", await WhoAmIAsync(host, client: null));
        Assert.Equal("True|CN=reporter, O=Tally tests", await WhoAmIAsync(host, _pki.IssueClient("reporter")));
        await Assert.ThrowsAsync<HttpRequestException>(() => WhoAmIAsync(host, other.IssueClient("stranger")));
    }

    // ---- certificate files

    [Fact]
    public async Task Pfx_ServesTheCertificateItHolds()
    {
        var server = _pki.IssueServer("pfx-server", "localhost", "127.0.0.1");
        var pfx = Path.Combine(_pki.Directory, "server.pfx");
        await File.WriteAllBytesAsync(pfx, server.Certificate.Export(X509ContentType.Pkcs12, "s3cret"));
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Tally:Tls:Enabled"] = "true",
            ["Tally:Tls:Pfx"] = pfx,
            ["Tally:Tls:PfxPassword"] = "s3cret",
        });

        await using var tls = await HandshakeAsync(host.GrpcPort, [SslApplicationProtocol.Http2]);

        Assert.Equal(server.Certificate.Thumbprint, ((X509Certificate2)tls.RemoteCertificate!).Thumbprint);
    }

    [Fact]
    public async Task RenewedCertificateFiles_AreServedOnNewConnections_WithoutARestart()
    {
        var first = _pki.IssueServer("first");
        var settings = ServerTls(first);
        settings["Tally:Tls:ReloadInterval"] = "00:00:00.100";
        await using var host = await TestHost.StartAsync(settings);
        await using (var before = await HandshakeAsync(host.GrpcPort, [SslApplicationProtocol.Http2]))
        {
            Assert.Equal(first.Certificate.Thumbprint, ((X509Certificate2)before.RemoteCertificate!).Thumbprint);
        }

        // A half-written renewal (new certificate, old key) is not taken; the finished one is.
        var second = _pki.IssueServer("second");
        File.Copy(second.CertificateFile, first.CertificateFile, overwrite: true);
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        await using (var during = await HandshakeAsync(host.GrpcPort, [SslApplicationProtocol.Http2]))
        {
            Assert.Equal(first.Certificate.Thumbprint, ((X509Certificate2)during.RemoteCertificate!).Thumbprint);
        }
        File.Copy(second.KeyFile, first.KeyFile, overwrite: true);

        var served = "";
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (served != second.Certificate.Thumbprint && !wait.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
            await using var after = await HandshakeAsync(host.GrpcPort, [SslApplicationProtocol.Http2]);
            served = ((X509Certificate2)after.RemoteCertificate!).Thumbprint;
        }
        Assert.Equal(second.Certificate.Thumbprint, served);
    }

    // ---- helpers

    /// <summary>Settings that turn TLS on with this certificate, and client certificates when a mode is given.</summary>
    private static Dictionary<string, string?> ServerTls(IssuedCertificate server, string? clientCertificateMode = null, string? clientCa = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Tally:Tls:Enabled"] = "true",
            ["Tally:Tls:Certificate"] = server.CertificateFile,
            ["Tally:Tls:Key"] = server.KeyFile,
        };
        if (clientCertificateMode is not null)
        {
            settings["Tally:Tls:ClientCertificateMode"] = clientCertificateMode;
            settings["Tally:Tls:ClientCa"] = clientCa;
        }
        return settings;
    }

    /// <summary>A container as a calling service has it: the query service at <paramref name="address"/>, these Tally:Tls settings.</summary>
    private static ServiceProvider Clients(Uri address, Dictionary<string, string?> tls)
    {
        var settings = new Dictionary<string, string?>(tls) { ["Tally:Services:Query"] = address.ToString() };
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddServiceClient<Health.HealthClient>(TallyService.Query);
        return services.BuildServiceProvider();
    }

    private static Health.HealthClient Health(ServiceProvider clients) => clients.GetRequiredService<Health.HealthClient>();

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    private SslClientAuthenticationOptions TrustingTheCa(IssuedCertificate? client = null) => new()
    {
        CertificateChainPolicy = TlsFiles.TrustOnly(TlsFiles.LoadAuthorities(_pki.CaFile), TlsFiles.ServerAuthentication),
        ClientCertificates = client is null ? null : [client.Certificate],
    };

    /// <summary>POSTs to <see cref="TestHost.WhoAmIPath"/> over TLS (h2), presenting <paramref name="client"/> if given.</summary>
    private async Task<string> WhoAmIAsync(TestHost host, IssuedCertificate? client)
    {
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = TrustingTheCa(client) });
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(host.TlsBase, TestHost.WhoAmIPath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A bare TLS handshake with the gRPC port (verifying it against the test CA), offering these ALPN protocols.</summary>
    private async Task<SslStream> HandshakeAsync(int port, List<SslApplicationProtocol> alpn)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        var options = TrustingTheCa();
        options.TargetHost = "localhost";
        options.ApplicationProtocols = alpn;
        await tls.AuthenticateAsClientAsync(options);
        return tls;
    }
}
