using Google.Protobuf;
using Tally.Grpc.Tests.Infrastructure;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Integration;

public sealed class CallTypesTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Echo.EchoClient Client => fixture.Client;

    [Fact]
    public async Task Unary_EchoesMessageAndPayload()
    {
        var response = await Client.UnaryAsync(new EchoRequest { Message = "hello", Payload = ByteString.CopyFrom(1, 2, 3) });

        Assert.Equal("hello", response.Message);
        Assert.Equal([1, 2, 3], response.Payload.ToByteArray());
        Assert.StartsWith("ipv4:127.0.0.1:", response.Peer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_WellKnownTypes_RoundTrip()
    {
        var response = await Client.PingAsync(new Google.Protobuf.WellKnownTypes.Empty());

        Assert.NotNull(response);
    }

    [Fact]
    public async Task Unary_ManyConcurrentCalls_AllSucceed()
    {
        var calls = Enumerable.Range(0, 200).Select(i => Client.UnaryAsync(new EchoRequest { Message = "m" + i })).ToArray();

        var responses = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => "m" + i), responses.Select(r => r.Message));
    }

    [Fact]
    public async Task ServerStreaming_ReceivesEveryMessageInOrder()
    {
        using var call = Client.ServerStream(new EchoRequest { Message = "stream", Count = 50 });

        var received = new List<EchoResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            received.Add(response);
        }

        Assert.Equal(Enumerable.Range(0, 50), received.Select(r => r.Index));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_NoMessages_EndsWithOk()
    {
        using var call = Client.ServerStream(new EchoRequest { Message = "none", Count = 0 });

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ClientStreaming_ServerSeesEveryMessage()
    {
        using var call = Client.ClientStream();
        foreach (var word in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = word });
        }
        await call.RequestStream.CompleteAsync();

        var response = await call;

        Assert.Equal("a,b,c", response.Message);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ClientStreaming_NoMessages_ReturnsEmptyResult()
    {
        using var call = Client.ClientStream();
        await call.RequestStream.CompleteAsync();

        var response = await call.ResponseAsync;

        Assert.Equal("", response.Message);
    }

    [Fact]
    public async Task ClientStreaming_MoreThanKestrelsDefaultBodyLimit_Succeeds()
    {
        var megabyte = ByteString.CopyFrom(new byte[1024 * 1024]);
        using var call = Client.ClientStream();
        for (var i = 0; i < 35; i++) // 35 MB in all: above Kestrel's 30 MB default request body limit
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "m", Payload = megabyte });
        }
        await call.RequestStream.CompleteAsync();

        var response = await call;

        Assert.Equal(35, response.Message.Split(',').Length);
    }

    [Fact]
    public async Task Duplex_RepliesToEachMessageAsItArrives()
    {
        using var call = Client.Duplex();
        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "ping" + i });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal("ping" + i, call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }
        await call.RequestStream.CompleteAsync();

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_LargeMessagesSpanningManyHttp2Frames_ArriveWhole()
    {
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray());
        using var call = Client.Duplex();
        var reading = Task.Run(async () =>
        {
            var sizes = new List<int>();
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                Assert.Equal(payload, response.Payload);
                sizes.Add(response.Payload.Length);
            }
            return sizes;
        });
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "big", Payload = payload });
        }
        await call.RequestStream.CompleteAsync();

        Assert.Equal(5, (await reading).Count);
    }

    [Fact]
    public async Task GetStatus_WhileRunning_Throws()
    {
        using var call = Client.Duplex();

        Assert.Throws<InvalidOperationException>(() => call.GetStatus());
        Assert.Throws<InvalidOperationException>(() => call.GetTrailers());
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task Write_AfterComplete_Throws()
    {
        using var call = Client.ClientStream();
        await call.RequestStream.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
        await call.ResponseAsync;
    }
}
