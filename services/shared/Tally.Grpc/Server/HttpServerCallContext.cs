using System.Net.Sockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Tally.Grpc.Internal;

namespace Tally.Grpc.Server;

/// <summary>The server side of one call, on top of its HttpContext.</summary>
internal sealed class HttpServerCallContext : ServerCallContext, IDisposable
{
    private readonly HttpContext _http;
    private readonly IMethod _method;
    private readonly GrpcServerRuntime _runtime;
    private CancellationTokenSource? _deadlineCts;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private string? _peer;
    private DateTime _deadline = DateTime.MaxValue;
    private CancellationToken _token;

    public HttpServerCallContext(HttpContext http, IMethod method, GrpcServerRuntime runtime)
    {
        _http = http;
        _method = method;
        _runtime = runtime;
        _token = http.RequestAborted;
    }

    public override string Method => _method.FullName;
    public override string Host => _http.Request.Host.Value ?? "";
    public override string Peer => _peer ??= FormatPeer(_http.Connection);
    public override DateTime Deadline => _deadline;
    public override CancellationToken CancellationToken => _token;
    public override Status Status { get; set; } = Status.DefaultSuccess;
    public override Metadata ResponseTrailers => _responseTrailers ??= [];

    public override Metadata RequestHeaders
    {
        get
        {
            if (_requestHeaders is null)
            {
                var headers = new Metadata();
                foreach (var (key, values) in _http.Request.Headers)
                {
                    foreach (var value in values)
                    {
                        MetadataWire.AddFromWire(headers, key, value);
                    }
                }
                _requestHeaders = headers;
            }
            return _requestHeaders;
        }
    }

    protected internal override HttpContext HttpContextCore => _http;

    internal string? RequestEncoding { get; private set; }
    internal bool CompressResponses { get; private set; }
    internal bool ResponseStarted { get; private set; }
    internal bool Completed { get; private set; }

    /// <summary>The deadline passed (as opposed to the client going away).</summary>
    internal bool DeadlineExceeded => _deadlineCts is { IsCancellationRequested: true } && !_http.RequestAborted.IsCancellationRequested;

    /// <summary>Reads grpc-timeout and grpc-encoding; a non-null result is the status to end the call with.</summary>
    internal Status? Start()
    {
        var request = _http.Request;
        var response = _http.Response;
        response.ContentType = GrpcProtocol.ContentType;
        // Message sizes are limited per message; a stream may carry any number of them, and may idle.
        if (_http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }
        if (_method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming
            && _http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }

        string? encoding = request.Headers[GrpcProtocol.EncodingHeader];
        if (!string.IsNullOrEmpty(encoding) && !encoding.Equals(GrpcProtocol.Identity, StringComparison.OrdinalIgnoreCase))
        {
            if (!encoding.Equals(GrpcProtocol.Gzip, StringComparison.OrdinalIgnoreCase))
            {
                response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
                return new Status(StatusCode.Unimplemented,
                    $"Unsupported grpc-encoding '{encoding}'. Supported encodings: identity, gzip.");
            }
            RequestEncoding = GrpcProtocol.Gzip;
        }
        if (_runtime.CompressResponses && GrpcProtocol.AcceptsEncoding(request.Headers[GrpcProtocol.AcceptEncodingHeader], GrpcProtocol.Gzip))
        {
            CompressResponses = true;
            response.Headers[GrpcProtocol.EncodingHeader] = GrpcProtocol.Gzip;
            response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        }

        string? timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader is not null)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var timeout))
            {
                return new Status(StatusCode.Internal,
                    $"Invalid grpc-timeout header '{timeoutHeader}': expected 1 to 8 digits and a unit (H, M, S, m, u or n).");
            }
            var now = DateTime.UtcNow;
            _deadline = timeout < DateTime.MaxValue - now ? now + timeout : DateTime.MaxValue;
            _deadlineCts = CancellationTokenSource.CreateLinkedTokenSource(_http.RequestAborted);
            if (timeout.TotalMilliseconds < uint.MaxValue - 1)
            {
                _deadlineCts.CancelAfter(timeout);
            }
            _token = _deadlineCts.Token;
        }
        return null;
    }

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if (ResponseStarted)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call, before the first message.");
        }
        var headers = _http.Response.Headers;
        foreach (var entry in responseHeaders)
        {
            if (!MetadataWire.IsReserved(entry.Key))
            {
                headers.Append(entry.Key, MetadataWire.ToWireValue(entry));
            }
        }
        ResponseStarted = true;
        return _http.Response.BodyWriter.FlushAsync(_http.RequestAborted).AsTask();
    }

    /// <summary>Frames a response message into the body; streaming calls flush, unary ones let the trailers carry it.</summary>
    internal ValueTask<System.IO.Pipelines.FlushResult> WriteMessageAsync(IMessage message, bool flush) =>
        WriteMessageAsync(ReadOnlySpan<byte>.Empty, message, flush);

    /// <summary>As <see cref="WriteMessageAsync(IMessage, bool)"/>, the message's bytes preceded by <paramref name="prefix"/> in the same frame.</summary>
    internal ValueTask<System.IO.Pipelines.FlushResult> WriteMessageAsync(ReadOnlySpan<byte> prefix, IMessage message, bool flush)
    {
        if (Completed)
        {
            throw new InvalidOperationException("Can't write a message: the call is complete.");
        }
        CancellationToken.ThrowIfCancellationRequested();
        ResponseStarted = true;
        var writer = _http.Response.BodyWriter;
        MessageFraming.WriteMessage(writer, prefix, message, _runtime.MaxSendMessageSize, CompressResponses);
        if (GrpcMetrics.ServerMsgSent.Enabled)
        {
            GrpcMetrics.ServerMsgSent.Add(1, GrpcMetrics.Tags(_method));
        }
        // Flushes stop only when the client goes away, never at the deadline: Kestrel aborts a stream whose flush is
        // cancelled (RST_STREAM INTERNAL_ERROR, no status), whereas a deadline must end the call with DEADLINE_EXCEEDED
        // in the trailers. Writes after the deadline still throw (above).
        return flush ? writer.FlushAsync(_http.RequestAborted) : default;
    }

    /// <summary>The status a handler's exception means.</summary>
    internal Status StatusFromException(Exception exception)
    {
        if (DeadlineExceeded)
        {
            return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        if (_http.RequestAborted.IsCancellationRequested)
        {
            return new Status(StatusCode.Cancelled, "Call canceled by the client.");
        }
        if (exception is RpcException rpc)
        {
            foreach (var entry in rpc.Trailers)
            {
                ResponseTrailers.Add(entry);
            }
            return rpc.Status;
        }
        _runtime.LogHandlerError(exception, _method.FullName);
        return new Status(StatusCode.Internal, _runtime.EnableDetailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : "Exception was thrown by handler.");
    }

    /// <summary>Sends the status: in trailers, or as a Trailers-Only response when nothing was sent yet.</summary>
    internal void Complete(Status status)
    {
        Completed = true;
        if (_http.RequestAborted.IsCancellationRequested)
        {
            return; // The client is gone (RST_STREAM or disconnect): nothing can be delivered.
        }
        var response = _http.Response;
        if (!ResponseStarted && !response.HasStarted)
        {
            var headers = response.Headers;
            headers[GrpcProtocol.StatusHeader] = GrpcProtocol.CodeNumber(status.StatusCode);
            if (status.Detail.Length > 0)
            {
                headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
            }
            if (_responseTrailers is not null)
            {
                foreach (var entry in _responseTrailers)
                {
                    if (!MetadataWire.IsReserved(entry.Key))
                    {
                        headers.Append(entry.Key, MetadataWire.ToWireValue(entry));
                    }
                }
            }
            return;
        }
        response.AppendTrailer(GrpcProtocol.StatusHeader, GrpcProtocol.CodeNumber(status.StatusCode));
        if (status.Detail.Length > 0)
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
        }
        if (_responseTrailers is not null)
        {
            foreach (var entry in _responseTrailers)
            {
                if (!MetadataWire.IsReserved(entry.Key))
                {
                    response.AppendTrailer(entry.Key, MetadataWire.ToWireValue(entry));
                }
            }
        }
    }

    public void Dispose() => _deadlineCts?.Dispose();

    private static string FormatPeer(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"ipv6:[{ip}]:{connection.RemotePort}",
        var ip => $"ipv4:{ip}:{connection.RemotePort}",
    };
}
