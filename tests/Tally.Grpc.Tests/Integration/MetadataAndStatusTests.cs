using Tally.Grpc.Server;
using Tally.Grpc.Tests.Infrastructure;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Integration;

public sealed class MetadataAndStatusTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Echo.EchoClient Client => fixture.Client;

    [Fact]
    public async Task Headers_AsciiAndBinary_ReachServerAndComeBackInHeadersAndTrailers()
    {
        byte[] binary = [0, 1, 2, 250, 255];
        var headers = new Metadata { { "x-text", "plain value" }, { "x-data-bin", binary } };
        var invoker = fixture.Server.CreateChannel().CreateCallInvoker();

        using var call = invoker.AsyncUnaryCall(Echo.__Method_Unary, null, new CallOptions(headers), new EchoRequest { Message = "meta" });
        var responseHeaders = await call.ResponseHeadersAsync;
        await call;

        Assert.Equal("plain value", responseHeaders.GetValue("x-text"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-data-bin"));
        var trailers = call.GetTrailers();
        Assert.Equal("plain value", trailers.GetValue("trailer-x-text"));
        Assert.Equal(binary, trailers.GetValueBytes("trailer-x-data-bin"));
    }

    [Fact]
    public async Task RpcException_StatusMessageAndTrailersReachClient()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UnaryAsync(new EchoRequest { Message = "widget 42", Failure = Failure.RpcException }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("no such thing: widget 42", ex.Status.Detail);
        Assert.Equal("missing", ex.Trailers.GetValue("reason"));
        Assert.Equal([1, 2, 3], ex.Trailers.GetValueBytes("detail-bin"));
    }

    [Fact]
    public async Task StatusMessage_NonAsciiAndPercent_SurvivesPercentEncoding()
    {
        var detail = "100% naïve — ünïcode ✓ 𝄞";

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UnaryAsync(new EchoRequest { Message = detail, Failure = Failure.RpcException }));

        Assert.Equal("no such thing: " + detail, ex.Status.Detail);
    }

    [Fact]
    public async Task ContextStatus_SetByHandler_IsTheCallStatus()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest { Failure = Failure.Status }));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("precondition failed", ex.Status.Detail);
    }

    [Fact]
    public async Task HandlerException_IsInternalWithoutDetails()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest { Failure = Failure.Throw }));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Equal("Exception was thrown by handler.", ex.Status.Detail);
        Assert.DoesNotContain("secret", ex.Status.Detail, StringComparison.Ordinal);
        await fixture.Server.AssertServingAsync();
    }

    [Fact]
    public async Task HandlerException_WithDetailedErrors_IncludesExceptionMessage()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.EnableDetailedErrors = true);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.CreateClient().UnaryAsync(new EchoRequest { Failure = Failure.Throw }));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("InvalidOperationException: secret internal detail", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_ArrivesInTrailers()
    {
        using var call = Client.ServerStream(new EchoRequest { Message = "partial", Count = 3, Failure = Failure.RpcException });
        var received = 0;

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal(StatusCode.NotFound, call.GetStatus().StatusCode);
        Assert.Equal("missing", call.GetTrailers().GetValue("reason"));
    }

    [Fact]
    public async Task TrailersOnlyError_ResponseHeadersAsyncThrowsTheStatus()
    {
        var invoker = fixture.Server.CreateChannel().CreateCallInvoker();

        using var call = invoker.AsyncServerStreamingCall(Echo.__Method_ServerStream, null, default,
            new EchoRequest { Count = 0, Failure = Failure.RpcException });

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("missing", call.GetTrailers().GetValue("reason"));
    }

    [Fact]
    public async Task Registry_ListsMappedServiceWithDescriptor()
    {
        var registry = (GrpcServiceRegistry)fixture.Server.Services.GetService(typeof(GrpcServiceRegistry))!;

        var service = Assert.Single(registry.Services);
        Assert.Equal("tally.testing.v1.Echo", service.Name);
        Assert.Same(Echo.Descriptor, service.Descriptor);
        Assert.Equal(["Unary", "ServerStream", "ClientStream", "Duplex", "Ping"], service.Methods.Select(m => m.Name));
        Assert.Equal(typeof(EchoService), service.ImplementationType);
        await Task.CompletedTask;
    }
}
