using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Tally.Grpc.Tests.Infrastructure;

/// <summary>Hand-made HTTP/2 requests (h2c prior knowledge) for malformed-input tests.</summary>
public static class RawHttp2
{
    public sealed record Result(HttpStatusCode HttpStatus, string? GrpcStatus, string? GrpcMessage, HttpResponseMessage Response, byte[] Body);

    public static byte[] Frame(IMessage message, bool compressedFlag = false) => Frame(message.ToByteArray(), compressedFlag);

    public static byte[] Frame(byte[] payload, bool compressedFlag = false)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressedFlag ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>A frame header announcing <paramref name="length"/> bytes, followed by <paramref name="actual"/> bytes.</summary>
    public static byte[] LyingFrame(uint length, int actual)
    {
        var frame = new byte[5 + actual];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), length);
        return frame;
    }

    public static async Task<Result> PostAsync(Uri server, string path, byte[] body, string? contentType = "application/grpc",
        IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var handler = new SocketsHttpHandler();
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        string? Find(string name) =>
            response.Headers.TryGetValues(name, out var inHeaders) ? inHeaders.First()
            : response.TrailingHeaders.TryGetValues(name, out var inTrailers) ? inTrailers.First() : null;
        var message = Find("grpc-message");
        return new Result(response.StatusCode, Find("grpc-status"), message is null ? null : Uri.UnescapeDataString(message), response, bytes);
    }
}
