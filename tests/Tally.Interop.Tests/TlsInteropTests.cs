using Tally.Grpc;
using Tally.Testing;

namespace Tally.Interop.Tests;

/// <summary>The @grpc/grpc-js client (grpc.credentials.createSsl) against a Tally host serving TLS: every interop case.</summary>
public sealed class GrpcJsClientToTallyTlsHostTests(TallyTlsHostFixture host) : IClassFixture<TallyTlsHostFixture>
{
    [Fact]
    public async Task AllCases_OverTls_Pass()
    {
        var (exitCode, output) = await NodePeer.RunAsync("client.js", ["--server", host.Target, "--ca", host.Pki.CaFile], TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0 && output.Contains($"all {InteropClient.Cases.Count} cases passed", StringComparison.Ordinal),
            $"grpc-js client over TLS, exit code {exitCode}:\n{output}");
    }

    [Fact]
    public async Task ClientNotTrustingTheCa_FailsUnavailable()
    {
        using var other = new TestPki("Not the server's CA");

        var (exitCode, output) = await NodePeer.RunAsync("client.js", ["--server", host.Target, "--ca", other.CaFile, "--case", "empty_unary"], TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1 && output.Contains("FAIL empty_unary", StringComparison.Ordinal) && output.Contains("UNAVAILABLE", StringComparison.Ordinal),
            $"exit code {exitCode}:\n{output}");
    }

    [Fact]
    public async Task CleartextClient_FailsUnavailable()
    {
        var (exitCode, output) = await NodePeer.RunAsync("client.js", ["--server", host.Target, "--case", "empty_unary"], TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1 && output.Contains("FAIL empty_unary", StringComparison.Ordinal) && output.Contains("UNAVAILABLE", StringComparison.Ordinal),
            $"exit code {exitCode}:\n{output}");
    }
}

/// <summary>The grpc-js client against a Tally host requiring client certificates (mutual TLS).</summary>
public sealed class GrpcJsClientToTallyMtlsHostTests(TallyMtlsHostFixture host) : IClassFixture<TallyMtlsHostFixture>
{
    [Fact]
    public async Task WithAClientCertificateFromTheCa_CasesPass()
    {
        var client = host.Pki.IssueClient("grpc-js");

        var (exitCode, output) = await NodePeer.RunAsync("client.js",
            ["--server", host.Target, "--ca", host.Pki.CaFile, "--cert", client.CertificateFile, "--key", client.KeyFile], TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0 && output.Contains($"all {InteropClient.Cases.Count} cases passed", StringComparison.Ordinal),
            $"grpc-js client over mutual TLS, exit code {exitCode}:\n{output}");
    }

    [Fact]
    public async Task WithoutAClientCertificate_IsRefused()
    {
        var (exitCode, output) = await NodePeer.RunAsync("client.js", ["--server", host.Target, "--ca", host.Pki.CaFile, "--case", "large_unary"], TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1 && output.Contains("FAIL large_unary", StringComparison.Ordinal) && output.Contains("UNAVAILABLE", StringComparison.Ordinal),
            $"exit code {exitCode}:\n{output}");
    }

    [Fact]
    public async Task WithAClientCertificateFromAnotherCa_IsRefused()
    {
        using var other = new TestPki("Another client CA");
        var stranger = other.IssueClient("stranger");

        var (exitCode, output) = await NodePeer.RunAsync("client.js",
            ["--server", host.Target, "--ca", host.Pki.CaFile, "--cert", stranger.CertificateFile, "--key", stranger.KeyFile, "--case", "large_unary"],
            TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1 && output.Contains("FAIL large_unary", StringComparison.Ordinal) && output.Contains("UNAVAILABLE", StringComparison.Ordinal),
            $"exit code {exitCode}:\n{output}");
    }
}

/// <summary>Our client (TLS, verifying against the CA) against the @grpc/grpc-js server serving TLS.</summary>
public sealed class TallyClientToGrpcJsTlsServerTests(NodeTlsServerFixture server) : IClassFixture<NodeTlsServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public Task Case_Passes(string testCase) => new InteropClient(server.Channel.CreateCallInvoker()).RunAsync(testCase);

    [Fact]
    public async Task WithoutTheCa_FailsUnavailable_SayingTheCertificateIsNotTrusted()
    {
        using var channel = GrpcChannel.ForAddress("https://" + server.Target);
        var client = new global::Grpc.Testing.TestService.TestServiceClient(channel);

        var e = await Assert.ThrowsAsync<RpcException>(() => client.EmptyCallAsync(new global::Grpc.Testing.Empty()));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("is not trusted: no CA the client trusts issued it", e.Status.Detail, StringComparison.Ordinal);
    }
}

/// <summary>Our client presenting a client certificate to the grpc-js server that requires one (mutual TLS).</summary>
public sealed class TallyClientToGrpcJsMtlsServerTests(NodeMtlsServerFixture server) : IClassFixture<NodeMtlsServerFixture>
{
    [Theory]
    [InlineData("large_unary")]
    [InlineData("ping_pong")]
    [InlineData("server_streaming")]
    public Task Case_Passes(string testCase) => new InteropClient(server.Channel.CreateCallInvoker()).RunAsync(testCase);

    [Fact]
    public async Task WithoutAClientCertificate_FailsUnavailable()
    {
        using var channel = GrpcChannel.ForAddress("https://" + server.Target, new GrpcChannelOptions { SslOptions = server.TrustingTheCa() });
        var client = new global::Grpc.Testing.TestService.TestServiceClient(channel);

        var e = await Assert.ThrowsAsync<RpcException>(() => client.EmptyCallAsync(new global::Grpc.Testing.Empty()));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }
}
