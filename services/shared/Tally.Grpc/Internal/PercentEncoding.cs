using System.Text;

namespace Tally.Grpc.Internal;

/// <summary>grpc-message encoding: UTF-8 bytes outside printable ASCII, and '%', become %XX.</summary>
internal static class PercentEncoding
{
    public static string Encode(string value)
    {
        var i = 0;
        while (i < value.Length && IsUnreserved(value[i]))
        {
            i++;
        }
        if (i == value.Length)
        {
            return value;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (IsUnreserved((char)b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexUpper(b >> 4)).Append(HexUpper(b & 0xF));
            }
        }
        return builder.ToString();
    }

    /// <summary>Decodes %XX sequences as UTF-8; a '%' not followed by two hex digits is kept as it is.</summary>
    public static string Decode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        var length = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '%' && i + 2 < bytes.Length && TryHex((char)bytes[i + 1], out var hi) && TryHex((char)bytes[i + 2], out var lo))
            {
                bytes[length++] = (byte)(hi << 4 | lo);
                i += 2;
            }
            else
            {
                bytes[length++] = bytes[i];
            }
        }
        return Encoding.UTF8.GetString(bytes, 0, length);
    }

    private static bool IsUnreserved(char c) => c is >= ' ' and <= '~' and not '%';

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
