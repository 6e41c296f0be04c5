using System.Buffers.Text;

namespace Tally.Grpc.Internal;

/// <summary>Metadata ↔ HTTP/2 headers: binary values as unpadded base64, reserved keys left to the runtime.</summary>
internal static class MetadataWire
{
    /// <summary>Headers the protocol owns: never copied into or out of Metadata.</summary>
    public static bool IsReserved(string key) =>
        key.Length == 0 || key[0] == ':' || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-type", StringComparison.OrdinalIgnoreCase) || key.Equals("te", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-length", StringComparison.OrdinalIgnoreCase) || key.Equals("host", StringComparison.OrdinalIgnoreCase);

    public static string ToWireValue(Metadata.Entry entry) =>
        entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes).TrimEnd('=') : entry.Value;

    /// <summary>Adds one received header (possibly several values) to the metadata.</summary>
    public static void AddFromWire(Metadata metadata, string key, string? value)
    {
        if (value is null || IsReserved(key))
        {
            return;
        }
        key = key.ToLowerInvariant();
        if (!Metadata.Entry.IsBinaryKey(key))
        {
            metadata.Add(Metadata.Entry.FromWire(key, value));
            return;
        }
        // A proxy may have joined repeated binary headers with commas.
        foreach (var range in value.AsSpan().Split(','))
        {
            metadata.Add(Metadata.Entry.FromWire(key, DecodeBase64(value.AsSpan(range).Trim())));
        }
    }

    /// <summary>Decodes padded or unpadded base64.</summary>
    public static byte[] DecodeBase64(ReadOnlySpan<char> value)
    {
        var padding = (4 - value.Length % 4) % 4;
        Span<char> padded = value.Length + padding <= 1024 ? stackalloc char[value.Length + padding] : new char[value.Length + padding];
        value.CopyTo(padded);
        padded[value.Length..].Fill('=');
        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(padded.Length)];
        if (!Convert.TryFromBase64Chars(padded, bytes, out var written))
        {
            throw new RpcException(new Status(StatusCode.Internal, "A '-bin' metadata value is not valid base64."));
        }
        return written == bytes.Length ? bytes : bytes.AsSpan(0, written).ToArray();
    }
}
