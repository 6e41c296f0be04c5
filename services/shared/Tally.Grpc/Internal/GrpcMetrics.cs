using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Tally.Grpc.Internal;

/// <summary>The runtime's instruments on the "Tally.Grpc" meter (exported as-is by the Prometheus exporter).</summary>
internal static class GrpcMetrics
{
    public const string MeterName = "Tally.Grpc";

    private static readonly Meter Meter = new(MeterName);

    // Call durations from 100 µs (a cached answer is served in well under a millisecond) to 10 s.
    private static readonly InstrumentAdvice<double> DurationBuckets = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    public static readonly Counter<long> ServerStarted = Meter.CreateCounter<long>("grpc_server_started_total", description: "RPCs started on the server.");
    public static readonly Counter<long> ServerHandled = Meter.CreateCounter<long>("grpc_server_handled_total", description: "RPCs completed on the server, by status code.");
    public static readonly Counter<long> ServerMsgReceived = Meter.CreateCounter<long>("grpc_server_msg_received_total", description: "Messages received by the server.");
    public static readonly Counter<long> ServerMsgSent = Meter.CreateCounter<long>("grpc_server_msg_sent_total", description: "Messages sent by the server.");
    public static readonly Histogram<double> ServerHandlingSeconds = Meter.CreateHistogram("grpc_server_handling_seconds", "s", "Time from the start of an RPC to its status, on the server.", tags: null, advice: DurationBuckets);
    public static readonly Counter<long> ClientStarted = Meter.CreateCounter<long>("grpc_client_started_total", description: "RPCs started by the client.");
    public static readonly Counter<long> ClientHandled = Meter.CreateCounter<long>("grpc_client_handled_total", description: "RPCs completed by the client, by status code.");
    public static readonly Histogram<double> ClientHandlingSeconds = Meter.CreateHistogram("grpc_client_handling_seconds", "s", "Time from the start of an RPC to its status, on the client.", tags: null, advice: DurationBuckets);

    public static string TypeName(MethodType type) => type switch
    {
        MethodType.Unary => "unary",
        MethodType.ClientStreaming => "client_stream",
        MethodType.ServerStreaming => "server_stream",
        _ => "bidi_stream",
    };

    public static TagList Tags(IMethod method) => new()
    {
        { "grpc_service", method.ServiceName },
        { "grpc_method", method.Name },
        { "grpc_type", TypeName(method.Type) },
    };

    public static void RecordHandled(Counter<long> handled, Histogram<double> seconds, TagList tags, StatusCode code, long startTimestamp)
    {
        if (handled.Enabled)
        {
            var withCode = tags;
            withCode.Add("grpc_code", GrpcProtocol.CodeName(code));
            handled.Add(1, withCode);
        }
        if (seconds.Enabled)
        {
            seconds.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
        }
    }
}
