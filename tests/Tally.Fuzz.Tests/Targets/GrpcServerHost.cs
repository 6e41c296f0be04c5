using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tally.Grpc;
using Tally.Grpc.Services;

namespace Tally.Fuzz.Tests.Targets;

/// <summary>
/// A real Tally.Grpc server on 127.0.0.1 (dynamic port, h2c): grpc.health.v1.Health and server reflection (the
/// product's own services) and grpc.testing.TestService (all four call types). Errors the server logs (a handler's
/// unhandled exception, Kestrel's "unhandled exception while processing") are collected for the oracle.
/// </summary>
internal sealed class GrpcServerHost : IAsyncDisposable
{
    /// <summary>Largest request message the fuzz server accepts: small, so that the limit itself is reached.</summary>
    public const int MaxReceiveMessageSize = 64 * 1024;

    private readonly WebApplication _app;

    private GrpcServerHost(WebApplication app, Uri address, ErrorLog errors)
    {
        _app = app;
        Address = address;
        Errors = errors;
    }

    public Uri Address { get; }

    public ErrorLog Errors { get; }

    public static async Task<GrpcServerHost> StartAsync()
    {
        var errors = new ErrorLog();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddProvider(errors).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddTallyGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = MaxReceiveMessageSize;
            grpc.ResponseCompressionAlgorithm = "gzip";
        });
        builder.Services.AddGrpcHealthAndReflection();
        var app = builder.Build();
        app.MapGrpcService<FuzzTestService>();
        app.MapGrpcHealthAndReflection();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new GrpcServerHost(app, new Uri(address), errors);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }

    /// <summary>Log entries at Error or above, from any category, as they happen.</summary>
    internal sealed class ErrorLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _entries = new();

        public IReadOnlyList<string> Drain()
        {
            var drained = new List<string>();
            while (_entries.TryDequeue(out var entry))
            {
                drained.Add(entry);
            }
            return drained;
        }

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : $" — {exception.GetType().Name}: {exception.Message}")}");
                }
            }
        }
    }
}

/// <summary>grpc.testing.TestService, well behaved: sizes are bounded (INVALID_ARGUMENT beyond), nothing waits.</summary>
internal sealed class FuzzTestService : TestService.TestServiceBase
{
    private const int MaxSize = 4096;

    public override Task<Empty> EmptyCall(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    public override Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context) =>
        Task.FromResult(new SimpleResponse { Payload = Payload(request.ResponseSize) });

    public override Task<SimpleResponse> CacheableUnaryCall(SimpleRequest request, ServerCallContext context) => UnaryCall(request, context);

    public override async Task StreamingOutputCall(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        foreach (var parameters in request.ResponseParameters.Take(16))
        {
            await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = Payload(parameters.Size) });
        }
    }

    public override async Task<StreamingInputCallResponse> StreamingInputCall(IAsyncStreamReader<StreamingInputCallRequest> requestStream,
        ServerCallContext context)
    {
        var total = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            total += requestStream.Current.Payload?.Body.Length ?? 0;
        }
        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    public override async Task FullDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await StreamingOutputCall(requestStream.Current, responseStream, context);
        }
    }

    public override async Task HalfDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        var requests = new List<StreamingOutputCallRequest>();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            requests.Add(requestStream.Current);
        }
        foreach (var request in requests.Take(16))
        {
            await StreamingOutputCall(request, responseStream, context);
        }
    }

    public override Task<Empty> UnimplementedCall(Empty request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "UnimplementedCall is not implemented (by design)."));

    private static Payload Payload(int size) => size is >= 0 and <= MaxSize
        ? new Payload { Body = ByteString.CopyFrom(new byte[size]) }
        : throw new RpcException(new Status(StatusCode.InvalidArgument, $"Payload size {size} is outside 0..{MaxSize} bytes."));
}
