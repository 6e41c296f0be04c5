using Google.Protobuf;
using Tally.Query.V1;

namespace Tally.Query.Service;

/// <summary>
/// A response as the engine served it: the message itself (computed for this request alone) or its serialized bytes
/// (from the cache, or computed once for several identical requests), and how it was served. The bytes never hold a
/// <see cref="ServedFrom"/>: it is set (or appended) per request.
/// </summary>
public readonly record struct ServedMessage<T>(T? Message, ReadOnlyMemory<byte>? Payload, ServedFrom ServedFrom)
    where T : IMessage<T>
{
    /// <summary>A message of this request's own (parsed from the bytes when there are bytes).</summary>
    public T Parse(MessageParser<T> parser)
    {
        ArgumentNullException.ThrowIfNull(parser);
        return Message ?? parser.ParseFrom((Payload ?? throw new InvalidOperationException("A served message holds neither a message nor bytes.")).Span);
    }
}

/// <summary>Reading a serialized <see cref="Answer"/> without parsing it.</summary>
public static class AnswerWire
{
    /// <summary>The answer's status: its top-level fields are skipped, not parsed, until the status field.</summary>
    public static AnswerStatus StatusOf(ReadOnlyMemory<byte> payload)
    {
        var input = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out var segment)
            ? new CodedInputStream(segment.Array!, segment.Offset, segment.Count)
            : new CodedInputStream(payload.ToArray());
        var status = AnswerStatus.Unspecified;
        for (var tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            if (WireFormat.GetTagFieldNumber(tag) == Answer.StatusFieldNumber && WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint)
            {
                status = (AnswerStatus)input.ReadEnum(); // the last occurrence wins, as in a parse
                continue;
            }

            input.SkipLastField();
        }

        return status;
    }
}
