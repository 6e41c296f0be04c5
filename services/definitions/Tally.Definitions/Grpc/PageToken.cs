using System.Buffers.Text;
using System.Text;

namespace Tally.Definitions.Grpc;

/// <summary>Opaque page tokens: a kind letter and a position, base64url-encoded.</summary>
internal static class PageToken
{
    public static string Encode(char kind, string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}:{position}"));

    /// <summary>The position in a token of this kind; null for an empty token; throws INVALID_ARGUMENT for a foreign or corrupt one.</summary>
    public static string? Decode(char kind, string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            if (text.Length >= 2 && text[0] == kind && text[1] == ':')
            {
                return text[2..];
            }
        }
        catch (FormatException)
        {
        }

        throw Errors.InvalidArgument("page_token is not a token this list returned; send the next_page_token of the previous page, or an empty token for the first page.");
    }
}
