using System.Net;
using System.Net.Sockets;
using System.Text;
using Tally.Grpc.Tests.Infrastructure;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Integration;

/// <summary>Bad input sent with raw HTTP/2 requests or raw sockets: each gets a precise status and the server keeps serving.</summary>
public sealed class MalformedRequestTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Unary = "/tally.testing.v1.Echo/Unary";
    private GrpcTestServer Server => fixture.Server;

    [Fact]
    public async Task LengthPrefixBeyondBody_InternalIncompleteMessage()
    {
        var result = await RawHttp2.PostAsync(Server.Address, Unary, RawHttp2.LyingFrame(length: 100, actual: 10));

        Assert.Equal("13", result.GrpcStatus);
        Assert.Equal("Incomplete message: the stream ended inside a message (10 of 100 bytes).", result.GrpcMessage);
        await Server.AssertServingAsync();
    }

    [Fact]
    public async Task LengthPrefixBeyondMaxSize_ResourceExhaustedWithoutReadingBody()
    {
        var result = await RawHttp2.PostAsync(Server.Address, Unary, RawHttp2.LyingFrame(length: 64 * 1024 * 1024, actual: 10));

        Assert.Equal("8", result.GrpcStatus);
        Assert.Equal("Received message exceeds the maximum configured message size (67108864 > 4194304 bytes).", result.GrpcMessage);
        await Server.AssertServingAsync();
    }

    [Fact]
    public async Task TruncatedFrameHeader_InternalIncompleteMessage()
    {
        var result = await RawHttp2.PostAsync(Server.Address, Unary, [0, 0, 0]);

        Assert.Equal("13", result.GrpcStatus);
        Assert.Equal("Incomplete message: the stream ended inside a message header (3 of 5 bytes).", result.GrpcMessage);
        await Server.AssertServingAsync();
    }

    [Fact]
    public async Task TruncatedFrameInClientStream_Internal()
    {
        var body = RawHttp2.Frame(new EchoRequest { Message = "first" }).Concat(RawHttp2.LyingFrame(50, 3)).ToArray();

        var result = await RawHttp2.PostAsync(Server.Address, "/tally.testing.v1.Echo/ClientStream", body);

        Assert.Equal("13", result.GrpcStatus);
        Assert.StartsWith("Incomplete message", result.GrpcMessage, StringComparison.Ordinal);
        await Server.AssertServingAsync();
    }

    [Fact]
    public async Task InvalidCompressedFlag_Internal()
    {
        var frame = RawHttp2.Frame(new EchoRequest());
        frame[0] = 7;

        var result = await RawHttp2.PostAsync(Server.Address, Unary, frame);

        Assert.Equal("13", result.GrpcStatus);
        Assert.Equal("Invalid compressed flag 7 in a message header (expected 0 or 1).", result.GrpcMessage);
    }

    [Fact]
    public async Task MessageThatDoesNotParse_InternalNamingTheType()
    {
        var result = await RawHttp2.PostAsync(Server.Address, Unary, RawHttp2.Frame([0xFF, 0xFF, 0xFF, 0xFF]));

        Assert.Equal("13", result.GrpcStatus);
        Assert.StartsWith("Failed to parse a message as tally.testing.v1.EchoRequest: ", result.GrpcMessage, StringComparison.Ordinal);
        await Server.AssertServingAsync();
    }

    [Fact]
    public async Task UnaryWithoutMessage_Unimplemented()
    {
        var result = await RawHttp2.PostAsync(Server.Address, Unary, []);

        Assert.Equal("12", result.GrpcStatus);
        Assert.Equal("/tally.testing.v1.Echo/Unary expects exactly one request message but the request had none.", result.GrpcMessage);
    }

    [Fact]
    public async Task UnaryWithTwoMessages_Unimplemented()
    {
        var frame = RawHttp2.Frame(new EchoRequest { Message = "one" });

        var result = await RawHttp2.PostAsync(Server.Address, Unary, [.. frame, .. frame]);

        Assert.Equal("12", result.GrpcStatus);
        Assert.EndsWith("but the request had more.", result.GrpcMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/grpc+json")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task WrongContentType_Http415(string? contentType)
    {
        var result = await RawHttp2.PostAsync(Server.Address, Unary, RawHttp2.Frame(new EchoRequest()), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, result.HttpStatus);
        Assert.Equal("13", result.GrpcStatus);
        Assert.StartsWith($"Content-Type '{contentType}' is not supported", result.GrpcMessage, StringComparison.Ordinal);
        await Server.AssertServingAsync();
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc; charset=utf-8")]
    public async Task GrpcContentTypeVariants_Accepted(string contentType)
    {
        var result = await RawHttp2.PostAsync(Server.Address, Unary, RawHttp2.Frame(new EchoRequest { Message = "ok" }), contentType);

        Assert.Equal(HttpStatusCode.OK, result.HttpStatus);
        Assert.Equal("0", result.GrpcStatus);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("123456789m")]
    [InlineData("10")]
    [InlineData("5x")]
    [InlineData("-1S")]
    public async Task InvalidGrpcTimeout_InternalNamingTheHeader(string timeout)
    {
        var result = await RawHttp2.PostAsync(Server.Address, Unary, RawHttp2.Frame(new EchoRequest()), headers: [("grpc-timeout", timeout)]);

        Assert.Equal("13", result.GrpcStatus);
        Assert.Equal($"Invalid grpc-timeout header '{timeout}': expected 1 to 8 digits and a unit (H, M, S, m, u or n).", result.GrpcMessage);
        await Server.AssertServingAsync();
    }

    [Theory]
    [InlineData("/tally.testing.v1.Echo/Nope", "Method 'Nope' is not implemented by service 'tally.testing.v1.Echo'.")]
    [InlineData("/tally.testing.v1.Missing/Unary", "Service 'tally.testing.v1.Missing' is not implemented by this server.")]
    public async Task UnknownServiceOrMethod_UnimplementedTrailersOnly(string path, string message)
    {
        var result = await RawHttp2.PostAsync(Server.Address, path, RawHttp2.Frame(new EchoRequest()));

        Assert.Equal(HttpStatusCode.OK, result.HttpStatus);
        Assert.Equal("12", result.Response.Headers.GetValues("grpc-status").Single()); // in the headers: Trailers-Only
        Assert.Equal(message, result.GrpcMessage);
        Assert.Empty(result.Body);
    }

    [Fact]
    public async Task UnknownMethod_ViaClient_Unimplemented()
    {
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "tally.testing.v1.Echo", "Nope", EchoRequest.Parser, EchoResponse.Parser);
        using var channel = Server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Equal("Method 'Nope' is not implemented by service 'tally.testing.v1.Echo'.", ex.Status.Detail);
    }

    [Fact]
    public async Task Http11RequestOnGrpcPort_RejectedAndConnectionClosed()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Server.Address.Port);
        var request = $"POST {Unary} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/grpc\r\nTE: trailers\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));

        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        var text = Encoding.ASCII.GetString(received.ToArray());
        Assert.StartsWith("HTTP/1.1 400", text, StringComparison.Ordinal); // Kestrel: "HTTP/1.x request sent to HTTP/2 only endpoint"
        Assert.DoesNotContain("grpc-status: 0", text, StringComparison.Ordinal);
        await Server.AssertServingAsync();
    }

    [Fact]
    public async Task Http11RequestOnEndpointThatAllowsIt_Http426WithGrpcStatus()
    {
        await using var server = await GrpcTestServer.StartAsync(protocols: Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
        using var client = new HttpClient();
        using var content = new ByteArrayContent(RawHttp2.Frame(new EchoRequest()));
        content.Headers.ContentType = new("application/grpc");

        using var response = await client.PostAsync(new Uri(server.Address, Unary), content);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("13", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal("Request protocol 'HTTP/1.1' is not supported: gRPC needs HTTP/2.",
            Uri.UnescapeDataString(response.Headers.GetValues("grpc-message").Single()));
    }
}
