using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Tally.Grpc.Tests.Infrastructure;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Integration;

/// <summary>What the client makes of peers that are not (working) gRPC servers.</summary>
public sealed class ClientErrorTests
{
    [Fact]
    public async Task ConnectionRefused_UnavailableNamingTheAddress()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new Echo.EchoClient(channel);

        var unary = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest()));
        using var duplex = client.Duplex();
        var streaming = await Assert.ThrowsAsync<RpcException>(() => duplex.ResponseStream.MoveNext(CancellationToken.None));
        var write = await Assert.ThrowsAsync<RpcException>(() => duplex.RequestStream.WriteAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, unary.StatusCode);
        Assert.StartsWith($"Error connecting to http://127.0.0.1:{port}/", unary.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, streaming.StatusCode);
        Assert.Equal(StatusCode.Unavailable, write.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => duplex.ResponseHeadersAsync);
    }

    [Theory]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(500, StatusCode.Unknown)]
    public async Task HttpErrorWithoutGrpcStatus_MappedPerSpec(int httpStatus, StatusCode expected)
    {
        await using var server = await GrpcTestServer.StartAsync(map: app =>
            app.MapPost("/{service}/{method}", (HttpContext context) => context.Response.StatusCode = httpStatus));

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.CreateClient().UnaryAsync(new EchoRequest()));

        Assert.Equal(expected, ex.StatusCode);
        Assert.Contains($"HTTP status code {httpStatus}", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OkWithNonGrpcContentType_Unknown()
    {
        await using var server = await GrpcTestServer.StartAsync(map: app =>
            app.MapPost("/{service}/{method}", () => Results.Text("<html>hello</html>", "text/html")));

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.CreateClient().UnaryAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Contains("content-type 'text/html", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponseWithoutGrpcStatus_Unknown()
    {
        await using var server = await GrpcTestServer.StartAsync(map: app =>
            app.MapPost("/{service}/{method}", async (HttpContext context) =>
            {
                context.Response.ContentType = "application/grpc";
                await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 });
            }));

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.CreateClient().UnaryAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Equal("The response ended without a grpc-status.", ex.Status.Detail);
    }

    [Fact]
    public async Task UnaryResponseWithTwoMessages_Unimplemented()
    {
        await using var server = await GrpcTestServer.StartAsync(map: app =>
            app.MapPost("/{service}/{method}", async (HttpContext context) =>
            {
                context.Response.ContentType = "application/grpc";
                context.Response.AppendTrailer("grpc-status", "0");
                await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
            }));

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.CreateClient().UnaryAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains("must return one message but the server sent more", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ForAddress_NonHttpScheme_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => GrpcChannel.ForAddress("ftp://example.com"));

        Assert.Contains("http:// or https://", ex.Message, StringComparison.Ordinal);
    }
}
