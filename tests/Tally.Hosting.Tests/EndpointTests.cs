using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tally.Hosting.Tests;

/// <summary>Real host, real sockets: what each port answers and what it refuses.</summary>
public sealed class EndpointTests
{
    private static readonly HttpClient Client = new();

    [Fact]
    public async Task Healthz_OnHttpPort_Returns200()
    {
        await using var host = await TestHost.StartAsync();

        using var response = await Client.SendAsync(TestHost.Http11(HttpMethod.Get, new Uri(host.HttpBase, "/healthz")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_WithAllChecksHealthy_Returns200()
    {
        await using var host = await TestHost.StartAsync(s => s.AddHealthChecks().AddCheck("catalog", () => HealthCheckResult.Healthy()));

        using var response = await Client.SendAsync(TestHost.Http11(HttpMethod.Get, new Uri(host.HttpBase, "/readyz")));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"status\":\"Healthy\"", body, StringComparison.Ordinal);
        Assert.Contains("\"catalog\":{\"status\":\"Healthy\"}", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_WithAFailingCheck_Returns503NamingIt_WhileHealthzStays200()
    {
        await using var host = await TestHost.StartAsync(s => s.AddHealthChecks()
            .AddCheck("catalog", () => HealthCheckResult.Unhealthy("catalog not loaded")));

        using var ready = await Client.SendAsync(TestHost.Http11(HttpMethod.Get, new Uri(host.HttpBase, "/readyz")));
        using var live = await Client.SendAsync(TestHost.Http11(HttpMethod.Get, new Uri(host.HttpBase, "/healthz")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("application/json; charset=utf-8", ready.Content.Headers.ContentType?.ToString());
        Assert.Contains("\"catalog\":{\"status\":\"Unhealthy\",\"description\":\"catalog not loaded\"}", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Metrics_OnHttpPort_IsPrometheusText()
    {
        await using var host = await TestHost.StartAsync();

        using var response = await Client.SendAsync(TestHost.Http11(HttpMethod.Get, new Uri(host.HttpBase, "/metrics")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("# TYPE process_cpu_seconds_total counter", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/metrics")]
    public async Task HttpEndpoints_OverH2cOnGrpcPort_Return404(string path)
    {
        await using var host = await TestHost.StartAsync();

        using var response = await Client.SendAsync(TestHost.H2c(HttpMethod.Get, new Uri(host.GrpcBase, path)));

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GrpcEndpoint_AnswersOnGrpcPortOnly()
    {
        await using var host = await TestHost.StartAsync();

        using var onGrpc = await Client.SendAsync(TestHost.H2c(HttpMethod.Post, new Uri(host.GrpcBase, TestHost.FakeGrpcPath)));
        using var onHttp = await Client.SendAsync(TestHost.Http11(HttpMethod.Post, new Uri(host.HttpBase, TestHost.FakeGrpcPath)));

        Assert.Equal(HttpStatusCode.OK, onGrpc.StatusCode);
        Assert.Equal("pong", await onGrpc.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, onHttp.StatusCode);
    }

    [Fact]
    public async Task HttpPort_RefusesHttp2PriorKnowledge_SoItCannotServeGrpc()
    {
        await using var host = await TestHost.StartAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            Client.SendAsync(TestHost.H2c(HttpMethod.Post, new Uri(host.HttpBase, TestHost.FakeGrpcPath))));
    }

    [Fact]
    public async Task GrpcPort_RefusesHttp11()
    {
        await using var host = await TestHost.StartAsync();

        // Kestrel answers an HTTP/1.x request on an HTTP/2-only endpoint with a 400 and closes the connection.
        using var response = await Client.SendAsync(TestHost.Http11(HttpMethod.Get, new Uri(host.GrpcBase, "/healthz")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.Headers.ConnectionClose);
        Assert.Contains("HTTP/2 only endpoint", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
