using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;
using Tally.Grpc.Tests.Infrastructure;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Integration;

public sealed class LimitsAndCompressionTests
{
    private static readonly ByteString TwoKilobytes = ByteString.CopyFrom(new byte[2000]);

    [Fact]
    public async Task ServerMaxReceiveSize_LargerRequest_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.MaxReceiveMessageSize = 1000);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.CreateClient().UnaryAsync(new EchoRequest { Payload = TwoKilobytes }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("exceeds the maximum configured message size", ex.Status.Detail, StringComparison.Ordinal);
        await server.AssertServingAsync();
    }

    [Fact]
    public async Task ServerMaxSendSize_LargerResponse_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.MaxSendMessageSize = 1000);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.CreateClient().UnaryAsync(new EchoRequest { Payload = TwoKilobytes }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.StartsWith("Sending message exceeds", ex.Status.Detail, StringComparison.Ordinal);
        await server.AssertServingAsync();
    }

    [Fact]
    public async Task ClientMaxReceiveSize_LargerResponse_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var client = server.CreateClient(new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest { Payload = TwoKilobytes }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("Received message exceeds", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientMaxSendSize_LargerRequest_ResourceExhaustedBeforeSending()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var client = server.CreateClient(new GrpcChannelOptions { MaxSendMessageSize = 1000 });

        var unary = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest { Payload = TwoKilobytes }));
        using var call = client.ClientStream();
        var streamed = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest { Payload = TwoKilobytes }));

        Assert.Equal(StatusCode.ResourceExhausted, unary.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, streamed.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ClientGzip_RequestIsCompressedAndServerReadsIt()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var recorder = new HeaderRecorder(new SocketsHttpHandler());
        var client = server.CreateClient(new GrpcChannelOptions { HttpHandler = recorder, RequestCompression = "gzip" });
        var payload = ByteString.CopyFromUtf8(string.Concat(Enumerable.Repeat("compress me ", 5000)));

        var response = await client.UnaryAsync(new EchoRequest { Message = "zip", Payload = payload });

        Assert.Equal(payload, response.Payload);
        Assert.Equal("gzip", recorder.LastRequestHeaders!.GetValues("grpc-encoding").Single());
    }

    [Fact]
    public async Task ClientGzip_StreamingRequests_RoundTrip()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var client = server.CreateClient();
        using var call = client.Duplex(new CallOptions(compression: "gzip"));

        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "z" + i, Payload = TwoKilobytes });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal("z" + i, call.ResponseStream.Current.Message);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ResponsePrefix_IsSentAheadOfTheReturnedMessage_AndThePeerReadsTheMergedMessage(bool gzip)
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.ResponseCompressionAlgorithm = gzip ? "gzip" : null);
        var prefix = new EchoResponse { Message = "overridden by the returned message", Index = 7, Payload = TwoKilobytes }.ToByteArray();
        var headers = new Metadata { { EchoService.ResponsePrefixHeader, prefix } };

        var response = await server.CreateClient().UnaryAsync(new EchoRequest { Message = "returned" }, headers);
        var raw = await RawHttp2.PostAsync(server.Address, "/tally.testing.v1.Echo/Unary", RawHttp2.Frame(new EchoRequest { Message = "returned" }),
            headers: [("grpc-accept-encoding", "gzip"), (EchoService.ResponsePrefixHeader, Convert.ToBase64String(prefix))]);

        Assert.Equal("returned", response.Message); // a singular field set in both: the later (returned) one wins
        Assert.Equal(7, response.Index); // set only in the prefix
        Assert.Equal(TwoKilobytes, response.Payload);
        Assert.StartsWith("ipv4:127.0.0.1:", response.Peer, StringComparison.Ordinal); // set only in the returned message
        Assert.Equal("0", raw.GrpcStatus);
        Assert.Equal(gzip ? 1 : 0, raw.Body[0]);
    }

    [Fact]
    public async Task ServerGzip_ResponsesAreCompressedWhenClientAcceptsGzip()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.ResponseCompressionAlgorithm = "gzip");
        var payload = ByteString.CopyFromUtf8(string.Concat(Enumerable.Repeat("squeeze ", 4000)));

        var raw = await RawHttp2.PostAsync(server.Address, "/tally.testing.v1.Echo/Unary",
            RawHttp2.Frame(new EchoRequest { Payload = payload }), headers: [("grpc-accept-encoding", "gzip")]);
        var viaClient = await server.CreateClient().UnaryAsync(new EchoRequest { Payload = payload });

        Assert.Equal("0", raw.GrpcStatus);
        Assert.Equal("gzip", raw.Response.Headers.GetValues("grpc-encoding").Single());
        Assert.Equal(1, raw.Body[0]);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(raw.Body.AsSpan(1));
        Assert.True(length < payload.Length, "the response frame should be smaller than the payload it carries");
        using var unzip = new GZipStream(new MemoryStream(raw.Body, 5, length), CompressionMode.Decompress);
        Assert.Equal(payload, EchoResponse.Parser.ParseFrom(unzip).Payload);
        Assert.Equal(payload, viaClient.Payload);
    }

    [Fact]
    public async Task ServerGzip_ClientWithoutGzip_GetsIdentity()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.ResponseCompressionAlgorithm = "gzip");

        var raw = await RawHttp2.PostAsync(server.Address, "/tally.testing.v1.Echo/Unary", RawHttp2.Frame(new EchoRequest { Message = "plain" }));

        Assert.Equal("0", raw.GrpcStatus);
        Assert.Equal(0, raw.Body[0]);
        Assert.Equal("plain", EchoResponse.Parser.ParseFrom(raw.Body.AsSpan(5).ToArray()).Message);
    }

    [Fact]
    public async Task UnknownGrpcEncoding_UnimplementedListingSupportedEncodings()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var result = await RawHttp2.PostAsync(server.Address, "/tally.testing.v1.Echo/Unary",
            RawHttp2.Frame(new EchoRequest(), compressedFlag: true), headers: [("grpc-encoding", "br")]);

        Assert.Equal("12", result.GrpcStatus);
        Assert.Equal("Unsupported grpc-encoding 'br'. Supported encodings: identity, gzip.", result.GrpcMessage);
        Assert.Equal("identity,gzip", result.Response.Headers.GetValues("grpc-accept-encoding").Single());
        await server.AssertServingAsync();
    }

    [Fact]
    public async Task CompressedFlagWithoutGrpcEncoding_Internal()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var result = await RawHttp2.PostAsync(server.Address, "/tally.testing.v1.Echo/Unary", RawHttp2.Frame(new EchoRequest(), compressedFlag: true));

        Assert.Equal("13", result.GrpcStatus);
        Assert.Equal("Received a compressed message but grpc-encoding is 'identity'.", result.GrpcMessage);
        await server.AssertServingAsync();
    }

    [Fact]
    public async Task GzipFlagWithCorruptData_Internal()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var result = await RawHttp2.PostAsync(server.Address, "/tally.testing.v1.Echo/Unary",
            RawHttp2.Frame([1, 2, 3, 4, 5, 6, 7, 8], compressedFlag: true), headers: [("grpc-encoding", "gzip")]);

        Assert.Equal("13", result.GrpcStatus);
        Assert.StartsWith("Failed to decompress a gzip message", result.GrpcMessage, StringComparison.Ordinal);
        await server.AssertServingAsync();
    }

    private sealed class HeaderRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public System.Net.Http.Headers.HttpRequestHeaders? LastRequestHeaders { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastRequestHeaders = request.Headers;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
