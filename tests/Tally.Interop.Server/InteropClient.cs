using Google.Protobuf;
using Grpc.Testing;
using Tally.Grpc;

namespace Tally.Interop;

/// <summary>An interop case did not get what the gRPC interop test descriptions require.</summary>
public sealed class InteropCaseFailedException(string message) : Exception(message);

/// <summary>
/// The client side of the gRPC interop test cases, on Tally's runtime (the same cases, names and numbers as
/// tests/interop-node/client.js). <see cref="RunAsync"/> throws <see cref="InteropCaseFailedException"/> on a failure.
/// </summary>
public sealed class InteropClient(CallInvoker invoker)
{
    public const string SpecialStatusMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n";

    private static readonly int[] RequestSizes = [27182, 8, 1828, 45904];
    private static readonly int[] ResponseSizes = [31415, 9, 2653, 58979];
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(30);

    private readonly TestService.TestServiceClient _client = new(invoker);

    /// <summary>Every case this client runs, in the order of the interop test descriptions.</summary>
    public static IReadOnlyList<string> Cases { get; } =
    [
        "empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary", "client_streaming",
        "server_streaming", "ping_pong", "empty_stream", "cancel_after_begin", "cancel_after_first_response",
        "timeout_on_sleeping_server", "custom_metadata", "status_code_and_message", "special_status_message",
        "unimplemented_method", "unimplemented_service",
    ];

    public async Task RunAsync(string testCase, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CaseTimeout);
        var ct = timeout.Token;
        Task run = testCase switch
        {
            "empty_unary" => EmptyUnaryAsync(ct),
            "large_unary" => LargeUnaryAsync(ct),
            "client_compressed_unary" => ClientCompressedUnaryAsync(ct),
            "server_compressed_unary" => ServerCompressedUnaryAsync(ct),
            "client_streaming" => ClientStreamingAsync(ct),
            "server_streaming" => ServerStreamingAsync(ct),
            "ping_pong" => PingPongAsync(ct),
            "empty_stream" => EmptyStreamAsync(ct),
            "cancel_after_begin" => CancelAfterBeginAsync(ct),
            "cancel_after_first_response" => CancelAfterFirstResponseAsync(ct),
            "timeout_on_sleeping_server" => TimeoutOnSleepingServerAsync(ct),
            "custom_metadata" => CustomMetadataAsync(ct),
            "status_code_and_message" => StatusCodeAndMessageAsync(StatusCode.Unknown, "test status message", ct),
            "special_status_message" => StatusCodeAndMessageAsync(StatusCode.Unknown, SpecialStatusMessage, ct, unaryOnly: true),
            "unimplemented_method" => ExpectUnimplementedAsync(() => _client.UnimplementedCallAsync(new Empty(), cancellationToken: ct)),
            "unimplemented_service" => ExpectUnimplementedAsync(() =>
                new UnimplementedService.UnimplementedServiceClient(invoker).UnimplementedCallAsync(new Empty(), cancellationToken: ct)),
            _ => throw new ArgumentException($"Unknown interop case '{testCase}'. Known: {string.Join(", ", Cases)}.", nameof(testCase)),
        };
        try
        {
            await run;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new InteropCaseFailedException($"{testCase} did not finish within {CaseTimeout.TotalSeconds:0} s.");
        }
    }

    private async Task EmptyUnaryAsync(CancellationToken ct)
    {
        var response = await _client.EmptyCallAsync(new Empty(), cancellationToken: ct);
        Check(response.CalculateSize() == 0, "EmptyCall returned a non-empty message.");
    }

    private async Task LargeUnaryAsync(CancellationToken ct)
    {
        var response = await _client.UnaryCallAsync(LargeRequest(), cancellationToken: ct);
        CheckPayload(response.Payload, 314159);
    }

    private async Task ClientCompressedUnaryAsync(CancellationToken ct)
    {
        // Probe: expect_compressed with an uncompressed request must be refused.
        var probe = LargeRequest();
        probe.ExpectCompressed = new BoolValue { Value = true };
        var error = await ExpectErrorAsync(() => _client.UnaryCallAsync(probe, cancellationToken: ct));
        Check(error.StatusCode == StatusCode.InvalidArgument, $"expected INVALID_ARGUMENT for an uncompressed request that expects compression, got {error.StatusCode}.");

        var compressed = LargeRequest();
        compressed.ExpectCompressed = new BoolValue { Value = true };
        CheckPayload((await _client.UnaryCallAsync(compressed, new CallOptions(cancellationToken: ct, compression: "gzip"))).Payload, 314159);
        var plain = LargeRequest();
        plain.ExpectCompressed = new BoolValue { Value = false };
        CheckPayload((await _client.UnaryCallAsync(plain, cancellationToken: ct)).Payload, 314159);
    }

    private async Task ServerCompressedUnaryAsync(CancellationToken ct)
    {
        foreach (var compressed in new[] { true, false })
        {
            var request = new SimpleRequest { ResponseSize = 314159, Payload = CreatePayload(271828), ResponseCompressed = new BoolValue { Value = compressed } };
            CheckPayload((await _client.UnaryCallAsync(request, cancellationToken: ct)).Payload, 314159);
        }
    }

    private async Task ClientStreamingAsync(CancellationToken ct)
    {
        using var call = _client.StreamingInputCall(cancellationToken: ct);
        foreach (var size in RequestSizes)
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = CreatePayload(size) }, ct);
        }
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Check(response.AggregatedPayloadSize == 74922, $"aggregated_payload_size is {response.AggregatedPayloadSize}, expected 74922.");
    }

    private async Task ServerStreamingAsync(CancellationToken ct)
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(ResponseSizes.Select(size => new ResponseParameters { Size = size }));
        using var call = _client.StreamingOutputCall(request, cancellationToken: ct);
        var sizes = new List<int>();
        while (await call.ResponseStream.MoveNext(ct))
        {
            sizes.Add(call.ResponseStream.Current.Payload.Body.Length);
        }
        Check(sizes.SequenceEqual(ResponseSizes), $"response sizes were [{string.Join(", ", sizes)}], expected [{string.Join(", ", ResponseSizes)}].");
        Check(call.GetStatus().StatusCode == StatusCode.OK, $"status {call.GetStatus()}.");
    }

    private async Task PingPongAsync(CancellationToken ct)
    {
        using var call = _client.FullDuplexCall(cancellationToken: ct);
        for (var i = 0; i < RequestSizes.Length; i++)
        {
            await call.RequestStream.WriteAsync(StreamingRequest(ResponseSizes[i], RequestSizes[i]), ct);
            Check(await call.ResponseStream.MoveNext(ct), $"the stream ended before response {i + 1}.");
            CheckPayload(call.ResponseStream.Current.Payload, ResponseSizes[i]);
        }
        await call.RequestStream.CompleteAsync();
        Check(!await call.ResponseStream.MoveNext(ct), "the server sent more responses than requests.");
    }

    private async Task EmptyStreamAsync(CancellationToken ct)
    {
        using var call = _client.FullDuplexCall(cancellationToken: ct);
        await call.RequestStream.CompleteAsync();
        Check(!await call.ResponseStream.MoveNext(ct), "an empty request stream got responses.");
        Check(call.GetStatus().StatusCode == StatusCode.OK, $"status {call.GetStatus()}.");
    }

    private async Task CancelAfterBeginAsync(CancellationToken ct)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = _client.StreamingInputCall(cancellationToken: cancel.Token);
        await Task.Yield();
        await cancel.CancelAsync();
        var error = await ExpectErrorAsync(() => call.ResponseAsync);
        Check(error.StatusCode == StatusCode.Cancelled, $"expected CANCELLED, got {error.Status}.");
    }

    private async Task CancelAfterFirstResponseAsync(CancellationToken ct)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = _client.FullDuplexCall(cancellationToken: cancel.Token);
        await call.RequestStream.WriteAsync(StreamingRequest(31415, 27182), ct);
        Check(await call.ResponseStream.MoveNext(ct), "no first response.");
        CheckPayload(call.ResponseStream.Current.Payload, 31415);
        await cancel.CancelAsync();
        var error = await ExpectErrorAsync(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Check(error.StatusCode == StatusCode.Cancelled, $"expected CANCELLED, got {error.Status}.");
    }

    private async Task TimeoutOnSleepingServerAsync(CancellationToken ct)
    {
        using var call = _client.FullDuplexCall(deadline: DateTime.UtcNow.AddMilliseconds(1), cancellationToken: ct);
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = CreatePayload(27182) }, ct);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            // allowed: the deadline may pass before the write
        }
        var error = await ExpectErrorAsync(() => call.ResponseStream.MoveNext(ct));
        Check(error.StatusCode == StatusCode.DeadlineExceeded, $"expected DEADLINE_EXCEEDED, got {error.Status}.");
    }

    private async Task CustomMetadataAsync(CancellationToken ct)
    {
        const string initialValue = "test_initial_metadata_value";
        byte[] trailingValue = [0xab, 0xab, 0xab];
        var headers = new Metadata { { InteropTestService.EchoInitialKey, initialValue }, { InteropTestService.EchoTrailingKey, trailingValue } };
        var options = new CallOptions(headers, cancellationToken: ct);

        using (var unary = invoker.AsyncUnaryCall(TestService.__Method_UnaryCall, null, options, LargeRequest()))
        {
            CheckPayload((await unary.ResponseAsync).Payload, 314159);
            CheckEchoed(await unary.ResponseHeadersAsync, unary.GetTrailers(), initialValue, trailingValue, "UnaryCall");
        }

        using var duplex = _client.FullDuplexCall(options);
        await duplex.RequestStream.WriteAsync(StreamingRequest(314159, 271828), ct);
        await duplex.RequestStream.CompleteAsync();
        Check(await duplex.ResponseStream.MoveNext(ct), "FullDuplexCall sent no response.");
        CheckPayload(duplex.ResponseStream.Current.Payload, 314159);
        Check(!await duplex.ResponseStream.MoveNext(ct), "FullDuplexCall sent more than one response.");
        CheckEchoed(await duplex.ResponseHeadersAsync, duplex.GetTrailers(), initialValue, trailingValue, "FullDuplexCall");
    }

    private async Task StatusCodeAndMessageAsync(StatusCode code, string message, CancellationToken ct, bool unaryOnly = false)
    {
        var status = new EchoStatus { Code = (int)code, Message = message };
        var unary = await ExpectErrorAsync(() => _client.UnaryCallAsync(new SimpleRequest { ResponseStatus = status }, cancellationToken: ct));
        CheckStatus(unary, code, message, "UnaryCall");
        if (unaryOnly)
        {
            return;
        }
        using var duplex = _client.FullDuplexCall(cancellationToken: ct);
        try
        {
            await duplex.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = status }, ct);
            await duplex.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may end the call with the requested status before the request stream is complete;
            // the response stream reports that status below.
        }
        CheckStatus(await ExpectErrorAsync(() => duplex.ResponseStream.MoveNext(ct)), code, message, "FullDuplexCall");
    }

    private static async Task ExpectUnimplementedAsync(Func<Task> call)
    {
        var error = await ExpectErrorAsync(call);
        Check(error.StatusCode == StatusCode.Unimplemented, $"expected UNIMPLEMENTED, got {error.Status}.");
    }

    private static async Task<RpcException> ExpectErrorAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (RpcException ex)
        {
            return ex;
        }
        throw new InteropCaseFailedException("the call succeeded but an error status was expected.");
    }

    private static void CheckStatus(RpcException error, StatusCode code, string message, string where)
    {
        Check(error.StatusCode == code, $"{where}: status code {error.StatusCode}, expected {code}.");
        Check(error.Status.Detail == message, $"{where}: status message \"{Escape(error.Status.Detail)}\", expected \"{Escape(message)}\".");
    }

    private static void CheckEchoed(Metadata headers, Metadata trailers, string initial, byte[] trailing, string where)
    {
        Check(headers.GetValue(InteropTestService.EchoInitialKey) == initial,
            $"{where}: response header {InteropTestService.EchoInitialKey} is \"{headers.GetValue(InteropTestService.EchoInitialKey)}\", expected \"{initial}\".");
        var echoed = trailers.GetValueBytes(InteropTestService.EchoTrailingKey);
        Check(echoed is not null && echoed.AsSpan().SequenceEqual(trailing),
            $"{where}: trailer {InteropTestService.EchoTrailingKey} is {(echoed is null ? "missing" : Convert.ToHexString(echoed))}, expected ABABAB.");
    }

    private static void CheckPayload(Payload? payload, int size)
    {
        Check(payload is not null, "the response has no payload.");
        Check(payload!.Body.Length == size, $"payload is {payload.Body.Length} bytes, expected {size}.");
        Check(payload.Body.Span.IndexOfAnyExcept((byte)0) < 0, "payload bytes are not all zero.");
    }

    private static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InteropCaseFailedException(failure);
        }
    }

    private static SimpleRequest LargeRequest() => new() { ResponseSize = 314159, Payload = CreatePayload(271828) };

    private static StreamingOutputCallRequest StreamingRequest(int responseSize, int payloadSize)
    {
        var request = new StreamingOutputCallRequest { Payload = CreatePayload(payloadSize) };
        request.ResponseParameters.Add(new ResponseParameters { Size = responseSize });
        return request;
    }

    private static Payload CreatePayload(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    private static string Escape(string value) => value.Replace("\t", "\\t", StringComparison.Ordinal)
        .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
