using System.Net;
using System.Net.Sockets;
using Tally.Grpc.Tests.Infrastructure;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Integration;

public sealed class DeadlineAndCancellationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Echo.EchoClient Client => fixture.Client;

    [Fact]
    public async Task Deadline_ServerEnforcesGrpcTimeout_HandlerTokenFiresAndStatusIsDeadlineExceeded()
    {
        // A raw request has no client-side timer: only the server can end this call.
        var result = await RawHttp2.PostAsync(fixture.Server.Address, "/tally.testing.v1.Echo/Unary",
            RawHttp2.Frame(new EchoRequest { Message = "server-deadline", DelayMs = 30_000 }), headers: [("grpc-timeout", "200m")]);

        Assert.Equal("4", result.GrpcStatus);
        Assert.Equal("Deadline Exceeded", result.GrpcMessage);
        Assert.Equal("deadline", await fixture.Server.Probe.WaitAsync("server-deadline"));
        await fixture.Server.AssertServingAsync();
    }

    [Fact]
    public async Task Deadline_ClientCall_FailsWithDeadlineExceeded()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UnaryAsync(new EchoRequest { Message = "client-deadline", DelayMs = 30_000 }, deadline: DateTime.UtcNow.AddMilliseconds(300)));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await fixture.Server.AssertServingAsync();
    }

    [Fact]
    public async Task Deadline_IsPropagatedToServer()
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);

        var response = await Client.UnaryAsync(new EchoRequest { Message = "propagate" }, deadline: deadline);

        var seen = DateTimeOffset.FromUnixTimeMilliseconds(response.DeadlineUnixMs).UtcDateTime;
        Assert.InRange(seen, deadline.AddMinutes(-1), deadline.AddSeconds(1));
    }

    [Fact]
    public async Task Deadline_ServerNeverAnswers_ClientTimerEndsCall()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new Echo.EchoClient(channel);

        var unary = await Assert.ThrowsAsync<RpcException>(() =>
            client.UnaryAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddMilliseconds(300)));
        using var stream = client.ServerStream(new EchoRequest { Count = 1 }, deadline: DateTime.UtcNow.AddMilliseconds(300));
        var streaming = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.DeadlineExceeded, unary.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, streaming.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, stream.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Deadline_AlreadyPassed_FailsWithoutContactingServer()
    {
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:1");

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            new Echo.EchoClient(channel).UnaryAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(-1)));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Fact]
    public async Task Cancel_ClientToken_ServerHandlerTokenFires()
    {
        using var cts = new CancellationTokenSource();
        using var call = Client.ServerStream(new EchoRequest { Message = "cancel-token", Count = 10_000, DelayMs = 20 }, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal("cancelled", await fixture.Server.Probe.WaitAsync("cancel-token"));
        await fixture.Server.AssertServingAsync();
    }

    [Fact]
    public async Task Cancel_AlreadyCancelledToken_FailsImmediately()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UnaryAsync(new EchoRequest(), cancellationToken: new CancellationToken(canceled: true)));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
    }

    [Fact]
    public async Task Dispose_RunningDuplexCall_CancelsServerHandler()
    {
        var call = Client.Duplex();
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "dispose-me" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        call.Dispose();

        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        Assert.Equal("cancelled", await fixture.Server.Probe.WaitAsync("dispose-me"));
        await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
    }

    [Fact]
    public async Task ServerResetsStream_ClientSeesCancelled()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest { Failure = Failure.Reset }));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await fixture.Server.AssertServingAsync();
    }

    [Fact]
    public async Task ServerAbortsConnection_ClientSeesUnavailable()
    {
        using var channel = fixture.Server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { Failure = Failure.AbortConnection }));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains(fixture.Server.Address.Authority, ex.Status.Detail, StringComparison.Ordinal);
        await fixture.Server.AssertServingAsync();
    }

    [Fact]
    public async Task ServerAbortsRequest_ClientSeesInternalPerHttp2ErrorMapping()
    {
        // HttpContext.Abort() resets the stream with INTERNAL_ERROR, which PROTOCOL-HTTP2 maps to INTERNAL.
        using var call = Client.ServerStream(new EchoRequest { Count = 2, Failure = Failure.Abort });

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("was reset by the server (error code 0x2)", ex.Status.Detail, StringComparison.Ordinal);
        await fixture.Server.AssertServingAsync();
    }

    [Fact]
    public async Task ServerShutsDownMidStream_ClientSeesUnavailable()
    {
        var server = await GrpcTestServer.StartAsync();
        using var call = server.CreateClient().ServerStream(new EchoRequest { Count = 10_000, DelayMs = 20 });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var stopping = server.DisposeAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        await stopping;

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task ClientDisconnectsMidStream_ServerHandlerCancelledAndServerKeepsServing()
    {
        Socket? socket = null;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var channel = fixture.Server.CreateChannel(new GrpcChannelOptions { HttpHandler = handler });
        using var call = new Echo.EchoClient(channel).Duplex();
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "disconnect" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        socket!.Close(); // no RST_STREAM, no GOAWAY: the TCP connection just goes away

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal("cancelled", await fixture.Server.Probe.WaitAsync("disconnect"));
        await fixture.Server.AssertServingAsync();
    }
}
