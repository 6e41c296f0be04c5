using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace Tally.Grpc.Internal;

/// <summary>
/// Length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length, then the (possibly gzip'd)
/// protobuf bytes. Reads never buffer more than one frame: a length above the limit fails before the body arrives.
/// </summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    /// <summary>Serializes one framed message straight into the writer (no intermediate copy unless compressing).</summary>
    public static void WriteMessage(IBufferWriter<byte> output, IMessage message, int? maxSize, bool gzip) =>
        WriteMessage(output, ReadOnlySpan<byte>.Empty, message, maxSize, gzip);

    /// <summary>One frame holding <paramref name="prefix"/> (serialized fields of the same message type) followed by <paramref name="message"/>.</summary>
    public static void WriteMessage(IBufferWriter<byte> output, ReadOnlySpan<byte> prefix, IMessage message, int? maxSize, bool gzip)
    {
        var size = prefix.Length + message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({size} > {maxSize} bytes)."));
        }
        // An empty message goes uncompressed: gzip of nothing is zero bytes, which peers reject as a compressed frame.
        if (!gzip || size == 0)
        {
            var span = output.GetSpan(HeaderSize + size);
            span[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
            prefix.CopyTo(span[HeaderSize..]);
            message.WriteTo(span.Slice(HeaderSize + prefix.Length, size - prefix.Length));
            output.Advance(HeaderSize + size);
            return;
        }
        var raw = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            prefix.CopyTo(raw);
            message.WriteTo(raw.AsSpan(prefix.Length, size - prefix.Length));
            using var compressed = new MemoryStream();
            using (var zip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(raw, 0, size);
            }
            var length = (int)compressed.Length;
            var span = output.GetSpan(HeaderSize + length);
            span[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            compressed.GetBuffer().AsSpan(0, length).CopyTo(span[HeaderSize..]);
            output.Advance(HeaderSize + length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    /// <summary>Takes one complete frame off the front of <paramref name="buffer"/>; false if more bytes are needed.</summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxSize, out ReadOnlySequence<byte> payload, out bool compressed)
    {
        payload = default;
        compressed = false;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        if (header[0] > 1)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Invalid compressed flag {header[0]} in a message header (expected 0 or 1)."));
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Received message exceeds the maximum configured message size ({length} > {maxSize} bytes)."));
        }
        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }
        compressed = header[0] == 1;
        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Reads the next message, or null at a clean end of stream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxSize, string? encoding,
        CancellationToken cancellationToken) where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            bool framed;
            ReadOnlySequence<byte> payload;
            bool compressed;
            try
            {
                framed = TryReadFrame(ref buffer, maxSize, out payload, out compressed);
            }
            catch
            {
                reader.AdvanceTo(buffer.Start);
                throw;
            }
            if (framed)
            {
                try
                {
                    return compressed ? ParseCompressed(payload, parser, maxSize, encoding) : Parse(payload, parser);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
            }
            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException("The read was canceled.");
            }
            if (result.IsCompleted)
            {
                var remaining = buffer.Length;
                var detail = remaining switch
                {
                    0 => null,
                    < HeaderSize => $"Incomplete message: the stream ended inside a message header ({remaining} of {HeaderSize} bytes).",
                    _ => $"Incomplete message: the stream ended inside a message ({remaining - HeaderSize} of {FrameLength(buffer)} bytes).",
                };
                reader.AdvanceTo(buffer.End);
                return detail is null ? null : throw new RpcException(new Status(StatusCode.Internal, detail));
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static uint FrameLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        return BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
    }

    private static T Parse<T>(ReadOnlySequence<byte> payload, MessageParser<T> parser) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            var typeName = parser.ParseFrom(ReadOnlySequence<byte>.Empty).Descriptor.FullName;
            throw new RpcException(new Status(StatusCode.Internal, $"Failed to parse a message as {typeName}: {ex.Message}"));
        }
    }

    private static T ParseCompressed<T>(ReadOnlySequence<byte> payload, MessageParser<T> parser, int maxSize, string? encoding)
        where T : IMessage<T>
    {
        if (!string.Equals(encoding, GrpcProtocol.Gzip, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Internal,
                $"Received a compressed message but grpc-encoding is '{encoding ?? GrpcProtocol.Identity}'."));
        }
        var input = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        var output = ArrayPool<byte>.Shared.Rent(Math.Max(256, (int)payload.Length * 4));
        try
        {
            payload.CopyTo(input);
            var length = 0;
            using (var zip = new GZipStream(new MemoryStream(input, 0, (int)payload.Length), CompressionMode.Decompress))
            {
                int read;
                while ((read = zip.Read(output, length, output.Length - length)) > 0)
                {
                    length += read;
                    if (length > maxSize)
                    {
                        throw new RpcException(new Status(StatusCode.ResourceExhausted,
                            $"Received message exceeds the maximum configured message size after decompression (> {maxSize} bytes)."));
                    }
                    if (length == output.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(output.Length * 2);
                        output.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(output);
                        output = bigger;
                    }
                }
            }
            return Parse(new ReadOnlySequence<byte>(output, 0, length), parser);
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Failed to decompress a gzip message: {ex.Message}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }
}
