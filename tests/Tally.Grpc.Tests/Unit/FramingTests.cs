using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Tally.Grpc.Internal;
using Tally.Testing.V1;

namespace Tally.Grpc.Tests.Unit;

public sealed class FramingTests
{
    [Fact]
    public void WriteMessage_HeaderIsFlagAndBigEndianLength()
    {
        var writer = new ArrayBufferWriter<byte>();
        var message = new EchoRequest { Message = "hi" };

        MessageFraming.WriteMessage(writer, message, maxSize: null, gzip: false);

        var bytes = writer.WrittenSpan.ToArray();
        Assert.Equal(0, bytes[0]);
        Assert.Equal(new byte[] { 0, 0, 0, (byte)message.CalculateSize() }, bytes[1..5]);
        Assert.Equal(message.ToByteArray(), bytes[5..]);
    }

    [Fact]
    public async Task ReadMessage_ArrivingOneByteAtATime_ParsesEachMessage()
    {
        var pipe = new Pipe();
        var writer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < 3; i++)
        {
            MessageFraming.WriteMessage(writer, new EchoRequest { Message = "message " + i, Payload = ByteString.CopyFrom(new byte[300]) }, null, false);
        }
        var bytes = writer.WrittenSpan.ToArray();
        var feeding = Task.Run(async () =>
        {
            foreach (var b in bytes)
            {
                await pipe.Writer.WriteAsync(new[] { b });
            }
            await pipe.Writer.CompleteAsync();
        });

        var read = new List<string>();
        while (await MessageFraming.ReadMessageAsync(pipe.Reader, EchoRequest.Parser, 4096, null, default) is { } message)
        {
            read.Add(message.Message);
        }
        await feeding;

        Assert.Equal(["message 0", "message 1", "message 2"], read);
    }

    [Fact]
    public async Task ReadMessage_LengthAboveMax_FailsFromTheHeaderAlone()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 1, 0, 0 }); // 65536 bytes announced, none sent, writer left open

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await MessageFraming.ReadMessageAsync(pipe.Reader, EchoRequest.Parser, 1000, null, default));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("Received message exceeds the maximum configured message size (65536 > 1000 bytes).", ex.Status.Detail);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0 }, "Incomplete message: the stream ended inside a message header (2 of 5 bytes).")]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 1, 2 }, "Incomplete message: the stream ended inside a message (2 of 9 bytes).")]
    [InlineData(new byte[] { 2, 0, 0, 0, 0 }, "Invalid compressed flag 2 in a message header (expected 0 or 1).")]
    public async Task ReadMessage_BadInput_Internal(byte[] input, string message)
    {
        var reader = PipeReader.Create(new ReadOnlySequence<byte>(input));

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await MessageFraming.ReadMessageAsync(reader, EchoRequest.Parser, 1000, null, default));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Equal(message, ex.Status.Detail);
    }

    [Fact]
    public async Task ReadMessage_EmptyStream_ReturnsNull()
    {
        var reader = PipeReader.Create(ReadOnlySequence<byte>.Empty);

        Assert.Null(await MessageFraming.ReadMessageAsync(reader, EchoRequest.Parser, 1000, null, default));
    }

    [Fact]
    public async Task Gzip_RoundTrip_CompressesAndSetsFlag()
    {
        var writer = new ArrayBufferWriter<byte>();
        var message = new EchoRequest { Message = string.Concat(Enumerable.Repeat("abc", 1000)) };

        MessageFraming.WriteMessage(writer, message, null, gzip: true);
        var read = await MessageFraming.ReadMessageAsync(PipeReader.Create(new ReadOnlySequence<byte>(writer.WrittenMemory)),
            EchoRequest.Parser, 10_000, "gzip", default);

        Assert.Equal(1, writer.WrittenSpan[0]);
        Assert.True(writer.WrittenCount < message.CalculateSize());
        Assert.Equal(message, read);
    }

    [Fact]
    public async Task Gzip_DecompressedAboveMax_ResourceExhausted()
    {
        var writer = new ArrayBufferWriter<byte>();
        MessageFraming.WriteMessage(writer, new EchoRequest { Payload = ByteString.CopyFrom(new byte[50_000]) }, null, gzip: true);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await MessageFraming.ReadMessageAsync(
            PipeReader.Create(new ReadOnlySequence<byte>(writer.WrittenMemory)), EchoRequest.Parser, 10_000, "gzip", default));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void WriteMessage_AboveMaxSend_ResourceExhausted()
    {
        var ex = Assert.Throws<RpcException>(() =>
            MessageFraming.WriteMessage(new ArrayBufferWriter<byte>(), new EchoRequest { Payload = ByteString.CopyFrom(new byte[100]) }, 50, false));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("Sending message exceeds the maximum configured message size (102 > 50 bytes).", ex.Status.Detail);
    }
}
