using System.Net;
using Tally.Grpc.Internal;

namespace Tally.Grpc.Client;

/// <summary>A request body already framed into a pooled buffer (unary and server-streaming calls).</summary>
internal sealed class BufferContent : HttpContent
{
    private const int Fresh = 0, Sending = 1, Released = 2;
    private readonly PooledBufferWriter _buffer;
    private int _state;

    public BufferContent(PooledBufferWriter buffer)
    {
        _buffer = buffer;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Interlocked.CompareExchange(ref _state, Sending, Fresh) != Fresh, this);
        try
        {
            await stream.WriteAsync(_buffer.WrittenMemory, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _state, Released);
            _buffer.Dispose();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.CompareExchange(ref _state, Released, Fresh) == Fresh)
        {
            _buffer.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>A request body written message by message while the call runs (client-streaming and duplex calls).</summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent() => Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);

    /// <summary>The request body stream, once the handler has sent the request headers.</summary>
    public Task<Stream> GetStreamAsync() => _stream.Task;

    /// <summary>Ends the request body (END_STREAM).</summary>
    public void Complete() => _done.TrySetResult();

    /// <summary>The call ended with an error: writers get it, the body is abandoned.</summary>
    public void Abort(RpcException error)
    {
        if (_stream.TrySetException(error))
        {
            _ = _stream.Task.Exception; // observed: nobody may be writing
        }
        _done.TrySetCanceled();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.TrySetResult(stream);
        return _done.Task;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
