using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Tally.Grpc.Internal;

namespace Tally.Grpc.Client;

/// <summary>
/// One client call as one HTTP/2 request. The call ends exactly once (<see cref="Finish"/>): with the
/// server's status, or with a status of its own for cancellation, deadline, connection and protocol errors.
/// </summary>
internal sealed class GrpcCall<TRequest, TResponse> : IAsyncStreamReader<TResponse>, IClientStreamWriter<TRequest>, IDisposable
    where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
{
    public static readonly Func<object, Task<Metadata>> GetHeadersFunc = static call => ((GrpcCall<TRequest, TResponse>)call).GetResponseHeadersAsync();
    public static readonly Func<object, Status> GetStatusFunc = static call => ((GrpcCall<TRequest, TResponse>)call).GetStatus();
    public static readonly Func<object, Metadata> GetTrailersFunc = static call => ((GrpcCall<TRequest, TResponse>)call).GetTrailers();
    public static readonly Action<object> DisposeFunc = static call => ((GrpcCall<TRequest, TResponse>)call).Dispose();

    private static readonly Status CancelledByClient = new(StatusCode.Cancelled, "Call canceled by the client.");
    private static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");
    private static readonly TimeSpan WriteFailureGrace = TimeSpan.FromSeconds(2);
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 1024);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _lock = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly string? _compression;
    private CancellationTokenRegistration _userCancellation;
    private CancellationTokenRegistration _deadlineRegistration;
    private bool _hasDeadline;
    private Task _responseStarted = Task.CompletedTask;
    private HttpRequestMessage? _request;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private string? _responseEncoding;
    private StreamingRequestContent? _requestContent;
    private PooledBufferWriter? _writeBuffer;
    private Status? _cancelReason;
    private Status? _endStatus;
    private HttpHeaders? _endTrailers;
    private Status? _status;
    private Metadata? _trailers;
    private HttpHeaders? _rawTrailers;
    private HttpHeaders? _responseHeaders;
    private TaskCompletionSource<Metadata>? _headers; // created when someone asks for the headers
    private TaskCompletionSource? _finished;
    private bool _requestCompleted;
    private bool _writing;

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _compression = options.Compression is null ? channel.RequestCompression : GrpcChannel.ValidateCompression(options.Compression);
    }

    public TResponse Current { get; private set; } = null!;

    public void StartWithMessage(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buffer = new PooledBufferWriter();
        try
        {
            MessageFraming.WriteMessage(buffer, request, _channel.MaxSendMessageSize, _compression is not null);
        }
        catch (RpcException ex)
        {
            buffer.Dispose();
            GrpcMetrics.ClientStarted.Add(1, GrpcMetrics.Tags(_method));
            Finish(ex.Status);
            return;
        }
        Start(new BufferContent(buffer));
    }

    public void StartStreaming() => Start(_requestContent = new StreamingRequestContent());

    private void Start(HttpContent content)
    {
        GrpcMetrics.ClientStarted.Add(1, GrpcMetrics.Tags(_method));
        string? timeout = null;
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = (deadline.Kind == DateTimeKind.Local ? deadline.ToUniversalTime() : deadline) - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                content.Dispose();
                Finish(DeadlineExceeded);
                return;
            }
            timeout = GrpcTimeout.Format(remaining);
            _hasDeadline = true;
            _deadlineRegistration = _cts.Token.UnsafeRegister(static call => ((GrpcCall<TRequest, TResponse>)call!).Cancel(DeadlineExceeded), this);
            _cts.CancelAfter(remaining.TotalMilliseconds < int.MaxValue ? remaining : TimeSpan.FromMilliseconds(int.MaxValue));
        }
        if (_options.CancellationToken.CanBeCanceled)
        {
            if (_options.CancellationToken.IsCancellationRequested)
            {
                content.Dispose();
                Finish(CancelledByClient);
                return;
            }
            _userCancellation = _options.CancellationToken.UnsafeRegister(static call => ((GrpcCall<TRequest, TResponse>)call!).Cancel(CancelledByClient), this);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetRequestUri(_method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation("te", "trailers");
        headers.TryAddWithoutValidation("user-agent", "grpc-csharp-tally/1.0");
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (timeout is not null)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, timeout);
        }
        if (_compression is not null)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, _compression);
        }
        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (!MetadataWire.IsReserved(entry.Key))
                {
                    headers.TryAddWithoutValidation(entry.Key, MetadataWire.ToWireValue(entry));
                }
            }
        }
        _request = request;
        _responseStarted = SendAsync(request);
    }

    /// <summary>Sends the request and takes in the response headers. Never throws: failures finish the call.</summary>
    private async Task SendAsync(HttpRequestMessage request)
    {
        try
        {
            var response = await _channel.Invoker.SendAsync(request, _cts.Token);
            lock (_lock)
            {
                if (_status is not null)
                {
                    response.Dispose();
                    return;
                }
                _response = response;
            }
            var headers = response.Headers;
            var hasStatus = headers.NonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues);
            if (response.StatusCode != HttpStatusCode.OK && !hasStatus)
            {
                Finish(new Status(GrpcProtocol.FromHttpStatus(response.StatusCode),
                    $"Bad gRPC response from {_channel.Address}: HTTP status code {(int)response.StatusCode} ({response.StatusCode})."));
                return;
            }
            if (hasStatus)
            {
                // Trailers-Only: the whole response is this one HEADERS frame.
                HeadersReceived(headers);
                var status = ParseStatus(statusValues.ToString(), headers);
                if (status.StatusCode == StatusCode.OK)
                {
                    (_endStatus, _endTrailers) = (status, headers);
                }
                else
                {
                    Finish(status, headers);
                }
                return;
            }
            response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var contentType);
            if (!GrpcProtocol.IsGrpcContentType(contentType.ToString()))
            {
                Finish(new Status(StatusCode.Unknown,
                    $"Bad gRPC response from {_channel.Address}: content-type '{contentType}' is not application/grpc."));
                return;
            }
            if (headers.NonValidated.TryGetValues(GrpcProtocol.EncodingHeader, out var encoding))
            {
                _responseEncoding = encoding.ToString();
            }
            HeadersReceived(headers);
            _reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(_cts.Token), ReaderOptions);
        }
        catch (Exception ex)
        {
            _ = Fail(ex);
        }
    }

    /// <summary>The next response message, or null at the end (with <see cref="_endStatus"/> set, or the call finished).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResponse?> ReadAsync()
    {
        await _responseStarted;
        var reader = _reader;
        if (reader is null || _status is not null || _endStatus is not null)
        {
            return null;
        }
        try
        {
            var message = await MessageFraming.ReadMessageAsync(reader, _method.ResponseParser, _channel.MaxReceiveMessageSize,
                _responseEncoding, _cts.Token);
            if (message is null)
            {
                await reader.CompleteAsync();
                var trailers = _response!.TrailingHeaders;
                var statusText = trailers.NonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var values) ? values.ToString() : null;
                (_endStatus, _endTrailers) = (ParseStatus(statusText, trailers), trailers);
            }
            return message;
        }
        catch (Exception ex)
        {
            await reader.CompleteAsync();
            throw Fail(ex);
        }
    }

    public Task<Metadata> GetResponseHeadersAsync()
    {
        lock (_lock)
        {
            if (_headers is null)
            {
                _headers = new TaskCompletionSource<Metadata>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_responseHeaders is not null)
                {
                    _headers.TrySetResult(ToMetadata(_responseHeaders));
                }
                else if (_status is { } status)
                {
                    if (status.StatusCode == StatusCode.OK)
                    {
                        _headers.TrySetResult(new Metadata());
                    }
                    else
                    {
                        _headers.TrySetException(new RpcException(status, _trailers!));
                        _ = _headers.Task.Exception;
                    }
                }
            }
            return _headers.Task;
        }
    }

    private void HeadersReceived(HttpHeaders headers)
    {
        TaskCompletionSource<Metadata>? waiting;
        lock (_lock)
        {
            _responseHeaders = headers;
            waiting = _headers;
        }
        waiting?.TrySetResult(ToMetadata(headers));
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static call => ((GrpcCall<TRequest, TResponse>)call!).Cancel(CancelledByClient), this)
            : default;
        var message = await ReadAsync();
        if (message is not null)
        {
            Current = message;
            return true;
        }
        if (_endStatus is { } end)
        {
            Finish(end, _endTrailers);
        }
        ThrowIfFailed();
        return false;
    }

    /// <summary>The one response of a unary or client-streaming call.</summary>
    public async Task<TResponse> ReadSingleResponseAsync()
    {
        var message = await ReadAsync();
        if (message is not null && await ReadAsync() is not null)
        {
            Finish(new Status(StatusCode.Unimplemented, $"{_method.FullName} must return one message but the server sent more."));
        }
        if (_endStatus is { } end)
        {
            Finish(message is null && end.StatusCode == StatusCode.OK
                ? new Status(StatusCode.Unimplemented, $"{_method.FullName} must return one message but the server sent none.")
                : end, _endTrailers);
        }
        ThrowIfFailed();
        return message!;
    }

    public async Task WriteAsync(TRequest message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var content = _requestContent ?? throw new InvalidOperationException("This call has no request stream.");
        lock (_lock)
        {
            if (_status is { } status)
            {
                throw status.StatusCode == StatusCode.OK
                    ? new InvalidOperationException("Can't write the message because the call is complete.")
                    : new RpcException(status, _trailers ?? Metadata.Empty);
            }
            if (_requestCompleted)
            {
                throw new InvalidOperationException("Can't write the message because the request stream is complete.");
            }
            if (_writing)
            {
                throw new InvalidOperationException("Can't write the message because the previous write is in progress.");
            }
            _writing = true;
        }
        var buffer = _writeBuffer ??= new PooledBufferWriter();
        try
        {
            var stream = await content.GetStreamAsync();
            MessageFraming.WriteMessage(buffer, message, _channel.MaxSendMessageSize, _compression is not null);
            await stream.WriteAsync(buffer.WrittenMemory, _cts.Token);
            await stream.FlushAsync(_cts.Token);
        }
        catch (RpcException ex)
        {
            throw Fail(ex);
        }
        catch (Exception ex)
        {
            // The transport dropped the request body: the response side knows why (usually the server's status).
            await Task.WhenAny(WhenFinished(), Task.Delay(WriteFailureGrace));
            throw _status is { } status ? new RpcException(status, GetTrailers()) : new RpcException(StatusFromException(ex));
        }
        finally
        {
            buffer.Dispose();
            lock (_lock)
            {
                _writing = false;
            }
        }
    }

    public Task CompleteAsync()
    {
        lock (_lock)
        {
            if (_status is { StatusCode: not StatusCode.OK } status)
            {
                throw new RpcException(status, _trailers ?? Metadata.Empty);
            }
            _requestCompleted = true;
        }
        _requestContent?.Complete();
        return Task.CompletedTask;
    }

    public Status GetStatus()
    {
        lock (_lock)
        {
            return _status ?? throw new InvalidOperationException("Unable to get the status because the call is not complete.");
        }
    }

    public Metadata GetTrailers()
    {
        lock (_lock)
        {
            if (_status is null)
            {
                throw new InvalidOperationException("Unable to get the trailers because the call is not complete.");
            }
            return _trailers ??= _rawTrailers is null ? new Metadata() : ToMetadata(_rawTrailers);
        }
    }

    /// <summary>Cancels the call if it is still running; a finished call has released everything already.</summary>
    public void Dispose() => Cancel(CancelledByClient);

    /// <summary>Ends the call from the client side (dispose, cancellation token, deadline): the server sees RST_STREAM.</summary>
    private void Cancel(Status reason)
    {
        lock (_lock)
        {
            if (_status is not null)
            {
                return;
            }
            _cancelReason ??= reason;
        }
        _cts.Cancel();
        Finish(_cancelReason.Value);
    }

    /// <summary>Finishes the call for an exception and returns what the caller should throw.</summary>
    private RpcException Fail(Exception exception)
    {
        Status status;
        lock (_lock)
        {
            status = _status ?? _cancelReason ?? (_cts.IsCancellationRequested ? DeadlineExceeded : StatusFromException(exception));
        }
        Finish(status, trailers: exception is RpcException rpc ? rpc.Trailers : null);
        return new RpcException(_status!.Value, GetTrailers());
    }

    private void Finish(Status status, HttpHeaders? rawTrailers) => Finish(status, null, rawTrailers);

    /// <summary>Ends the call once; trailers stay raw headers until someone reads them (or the call failed).</summary>
    private void Finish(Status status, Metadata? trailers = null, HttpHeaders? rawTrailers = null)
    {
        TaskCompletionSource<Metadata>? headers;
        lock (_lock)
        {
            if (_status is not null)
            {
                return;
            }
            _status = status;
            _trailers = trailers ?? (status.StatusCode == StatusCode.OK ? null : rawTrailers is null ? Metadata.Empty : ToMetadata(rawTrailers));
            _rawTrailers = rawTrailers;
            _finished?.TrySetResult();
            headers = _headers;
        }
        if (status.StatusCode == StatusCode.OK)
        {
            headers?.TrySetResult(new Metadata());
            _requestContent?.Complete();
        }
        else
        {
            var error = new RpcException(status, _trailers!);
            if (headers?.TrySetException(error) == true)
            {
                _ = headers.Task.Exception; // observed: callers need not await the headers
            }
            _requestContent?.Abort(error);
            _cts.Cancel(); // abandons the HTTP/2 stream (RST_STREAM) if it is still open
        }
        if (_hasDeadline)
        {
            _cts.CancelAfter(Timeout.InfiniteTimeSpan);
            _deadlineRegistration.Dispose();
        }
        _userCancellation.Dispose();
        _response?.Dispose();
        _request?.Dispose();
        GrpcMetrics.RecordHandled(GrpcMetrics.ClientHandled, GrpcMetrics.ClientHandlingSeconds, GrpcMetrics.Tags(_method), status.StatusCode, _start);
    }

    private Task WhenFinished()
    {
        lock (_lock)
        {
            return _status is not null ? Task.CompletedTask
                : (_finished ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private void ThrowIfFailed()
    {
        var status = GetStatus();
        if (status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status, GetTrailers());
        }
    }

    private Status StatusFromException(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            return rpc.Status;
        }
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException protocol)
            {
                // NO_ERROR here means the connection went away (GOAWAY) before this stream got an answer.
                var code = protocol.ErrorCode == 0 ? StatusCode.Unavailable : GrpcProtocol.FromHttp2ErrorCode(protocol.ErrorCode);
                return new Status(code, $"The HTTP/2 stream to {_channel.Address} was reset by the server " +
                    $"(error code 0x{protocol.ErrorCode.ToString("x", CultureInfo.InvariantCulture)}): {protocol.Message}");
            }
        }
        if (exception is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
        {
            // "The SSL connection could not be established, see inner exception." says nothing: the inner one does.
            var reason = Innermost<System.Security.Authentication.AuthenticationException>(exception)?.Message ?? Innermost<Exception>(exception)!.Message;
            return new Status(StatusCode.Unavailable, $"TLS handshake with {_channel.Address} failed: {reason}", exception);
        }
        if (ConnectionFailures.ClosedBeforeHttp2(exception))
        {
            var hint = _channel.Address.Scheme == Uri.UriSchemeHttp
                ? "if the server serves TLS, use an https:// address"
                : _channel.PresentsClientCertificate
                    ? "a server that requires client certificates (mutual TLS) closes the connection so when it does not trust the one presented"
                    : "a server that requires a client certificate (mutual TLS) closes the connection so when none is presented";
            return new Status(StatusCode.Unavailable, $"Error connecting to {_channel.Address}: {exception.Message}; {hint}", exception);
        }
        return exception switch
        {
            HttpRequestException => new Status(StatusCode.Unavailable, $"Error connecting to {_channel.Address}: {exception.Message}", exception),
            IOException or ObjectDisposedException or OperationCanceledException =>
                new Status(StatusCode.Unavailable, $"Lost the connection to {_channel.Address}: {exception.Message}", exception),
            _ => new Status(StatusCode.Unknown, $"Error in the call to {_channel.Address}{_method.FullName}: {exception.GetType().Name}: {exception.Message}"),
        };
    }

    /// <summary>The innermost exception of type T in the chain (T = Exception: the innermost of all).</summary>
    private static T? Innermost<T>(Exception exception) where T : Exception
    {
        T? found = null;
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T t) found = t;
        }
        return found;
    }

    private static Status ParseStatus(string? statusText, HttpHeaders headers)
    {
        if (statusText is null)
        {
            return new Status(StatusCode.Unknown, "The response ended without a grpc-status.");
        }
        if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"The response has an invalid grpc-status '{statusText}'.");
        }
        var detail = headers.NonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var message)
            ? PercentEncoding.Decode(message.ToString())
            : "";
        return new Status((StatusCode)code, detail);
    }

    private static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers.NonValidated)
        {
            foreach (var value in values)
            {
                MetadataWire.AddFromWire(metadata, key, value);
            }
        }
        return metadata;
    }
}
