using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Tally.Grpc.Tests.Infrastructure;
using Tally.Grpc.Tests.Extra;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Integration;

[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary>Runs alone: the "Tally.Grpc" meter is process-wide.</summary>
[Collection(nameof(MetricsCollection))]
public sealed class MetricsTests
{
    private sealed record Measurement(string Instrument, double Value, Dictionary<string, string> Tags);

    [Fact]
    public async Task Calls_RecordServerAndClientInstrumentsWithTags()
    {
        var measurements = new ConcurrentQueue<Measurement>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Tally.Grpc")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => (string)t.Value!)));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        // A service no other test calls, so lingering calls of other tests cannot show up here.
        await using var server = await GrpcTestServer.StartAsync(map: app => app.MapGrpcService<ExtraThingsService>());
        using var channel = server.CreateChannel();
        var client = new ExtraThings.ExtraThingsClient(channel);
        Assert.Equal("ok", (await client.WrapAsync(new EchoRequest { Message = "ok" })).Text);
        await Assert.ThrowsAsync<RpcException>(() => client.WrapAsync(new EchoRequest { Failure = Failure.RpcException }));
        await client.UnwrapAsync(new Outer());
        await server.StopAsync();

        List<Measurement> Find(string name, string method) => measurements
            .Where(m => m.Instrument == name && m.Tags["grpc_service"] == ExtraThings.ServiceName && m.Tags["grpc_method"] == method).ToList();
        var handled = Find("grpc_server_handled_total", "Wrap");
        Assert.Equal(2, Find("grpc_server_started_total", "Wrap").Count);
        Assert.Equal(["NOT_FOUND", "OK"], handled.Select(m => m.Tags["grpc_code"]).Order());
        Assert.All(handled, m => Assert.Equal("unary", m.Tags["grpc_type"]));
        Assert.Equal(2, Find("grpc_server_handling_seconds", "Wrap").Count);
        Assert.Equal(2, Find("grpc_server_msg_received_total", "Wrap").Count);
        Assert.Single(Find("grpc_server_msg_sent_total", "Wrap"));
        Assert.Equal("OK", Find("grpc_server_handled_total", "Unwrap").Single().Tags["grpc_code"]);
        Assert.Equal(2, Find("grpc_client_started_total", "Wrap").Count);
        Assert.Equal(["NOT_FOUND", "OK"], Find("grpc_client_handled_total", "Wrap").Select(m => m.Tags["grpc_code"]).Order());
        Assert.Equal(2, Find("grpc_client_handling_seconds", "Wrap").Count);
        Assert.All(Find("grpc_client_handling_seconds", "Wrap"), m => Assert.True(m.Value >= 0));
    }
}

/// <summary>The second test service (csharp_namespace option, nested and cross-package message types).</summary>
public sealed class ExtraThingsService : ExtraThings.ExtraThingsBase
{
    public override Task<Outer.Types.Inner> Wrap(EchoRequest request, ServerCallContext context) =>
        request.Failure == Failure.RpcException
            ? throw new RpcException(new Status(StatusCode.NotFound, "nothing to wrap"))
            : Task.FromResult(new Outer.Types.Inner { Text = request.Message });

    public override Task<EchoResponse> Unwrap(Outer request, ServerCallContext context) =>
        Task.FromResult(new EchoResponse { Message = request.Inner?.Text ?? "" });
}
