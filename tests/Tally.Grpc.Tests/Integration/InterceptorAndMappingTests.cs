using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tally.Grpc.Interceptors;
using Tally.Grpc.Server;
using Tally.Grpc.Tests.Infrastructure;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Integration;

public sealed class InterceptorAndMappingTests
{
    [Fact]
    public async Task ServerInterceptors_RunOutermostFirstAroundEveryCallType()
    {
        var log = new List<string>();
        await using var server = await GrpcTestServer.StartAsync(o =>
        {
            o.Interceptors.Add(new RecordingInterceptor("A", log));
            o.Interceptors.Add(new RecordingInterceptor("B", log));
        });
        var client = server.CreateClient();

        await client.UnaryAsync(new EchoRequest());
        using (var call = client.ServerStream(new EchoRequest { Count = 1 }))
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }
        using (var call = client.ClientStream())
        {
            await call.RequestStream.CompleteAsync();
            await call;
        }
        using (var call = client.Duplex())
        {
            await call.RequestStream.CompleteAsync();
            Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        string[] expected = ["A>", "B>", "<B", "<A"];
        lock (log)
        {
            Assert.Equal([.. expected.Select(e => "unary " + e), .. expected.Select(e => "server " + e),
                .. expected.Select(e => "client " + e), .. expected.Select(e => "duplex " + e)], log);
        }
    }

    [Fact]
    public async Task ClientInterceptor_AddsHeaderThatServerSees()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var channel = server.CreateChannel();
        var invoker = channel.CreateCallInvoker().Intercept(new HeaderInterceptor());

        using var call = invoker.AsyncUnaryCall(Echo.__Method_Unary, null, default, new EchoRequest());
        var headers = await call.ResponseHeadersAsync;
        await call;

        Assert.Equal("yes", headers.GetValue("x-intercepted"));
    }

    [Fact]
    public async Task DescriptorMismatch_FailsAtMapTimeNamingTheMethod()
    {
        var wrongKind = new Method<EchoRequest, EchoResponse>(MethodType.ServerStreaming, Echo.ServiceName, "Unary", EchoRequest.Parser, EchoResponse.Parser);
        var wrongType = new Method<EchoResponse, EchoResponse>(MethodType.Unary, Echo.ServiceName, "Unary", EchoResponse.Parser, EchoResponse.Parser);
        var missing = new Method<EchoRequest, EchoResponse>(MethodType.Unary, Echo.ServiceName, "Nope", EchoRequest.Parser, EchoResponse.Parser);

        var kind = MapFails(b => b.AddMethod(wrongKind, (ServerStreamingServerMethod<EchoRequest, EchoResponse>)((_, _, _) => Task.CompletedTask)));
        var type = MapFails(b => b.AddMethod(wrongType, (UnaryServerMethod<EchoResponse, EchoResponse>)((r, _) => Task.FromResult(r))));
        var absent = MapFails(b => b.AddMethod(missing, (UnaryServerMethod<EchoRequest, EchoResponse>)((_, _) => Task.FromResult(new EchoResponse()))));

        Assert.StartsWith("gRPC method /tally.testing.v1.Echo/Unary does not match the descriptor of tally.testing.v1.Echo: it is ServerStreaming",
            kind.Message, StringComparison.Ordinal);
        Assert.Contains("code uses (tally.testing.v1.EchoResponse) returns (tally.testing.v1.EchoResponse) but the .proto says (tally.testing.v1.EchoRequest)",
            type.Message, StringComparison.Ordinal);
        Assert.Contains("/tally.testing.v1.Echo/Nope", absent.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_TypeWithoutGeneratedBase_FailsClearly()
    {
        var app = NewApp();

        var ex = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<ServerProbe>());

        Assert.Contains("must derive from a generated service base class", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_WithoutAddTallyGrpc_FailsClearly()
    {
        var app = WebApplication.CreateSlimBuilder().Build();

        var ex = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<EchoService>());

        Assert.Contains("services.AddTallyGrpc()", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapGrpcService_HandBuiltDefinitionFromBindService_Serves()
    {
        var probe = new ServerProbe();
        await using var server = await GrpcTestServer.StartAsync(map: app => app.MapGrpcService(Echo.BindService(new EchoService(probe))));

        var response = await server.CreateClient().UnaryAsync(new EchoRequest { Message = "bound" });

        Assert.Equal("bound", response.Message);
    }

    [Fact]
    public async Task MapGrpcService_RegisteredInDi_UsesTheRegistration()
    {
        var created = 0;
        await using var server = await GrpcTestServer.StartAsync(services: s => s.AddSingleton(sp =>
        {
            Interlocked.Increment(ref created);
            return new EchoService(sp.GetRequiredService<ServerProbe>());
        }));
        var client = server.CreateClient();

        await client.UnaryAsync(new EchoRequest());
        await client.UnaryAsync(new EchoRequest());

        Assert.Equal(1, created);
    }

    private static InvalidOperationException MapFails(Action<ServerServiceDefinition.Builder> add)
    {
        var builder = ServerServiceDefinition.CreateBuilder(Echo.ServiceName, Echo.Descriptor);
        add(builder);
        var app = NewApp();
        return Assert.Throws<InvalidOperationException>(() => app.MapGrpcService(builder.Build()));
    }

    private static WebApplication NewApp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTallyGrpc();
        return builder.Build();
    }

    private sealed class RecordingInterceptor(string name, List<string> log) : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
            UnaryServerMethod<TRequest, TResponse> continuation)
        {
            Add("unary " + name + ">");
            var response = await continuation(request, context);
            Add("unary <" + name);
            return response;
        }

        public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
            ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        {
            Add("server " + name + ">");
            await continuation(request, responseStream, context);
            Add("server <" + name);
        }

        public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
            ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
        {
            Add("client " + name + ">");
            var response = await continuation(requestStream, context);
            Add("client <" + name);
            return response;
        }

        public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
            IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        {
            Add("duplex " + name + ">");
            await continuation(requestStream, responseStream, context);
            Add("duplex <" + name);
        }

        private void Add(string entry)
        {
            lock (log)
            {
                log.Add(entry);
            }
        }
    }

    private sealed class HeaderInterceptor : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            var headers = new Metadata { { "x-intercepted", "yes" } };
            return continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers)));
        }
    }
}
