using System.Globalization;
using System.Text;
using Tally.Grpc;

namespace Tally.Hosting;

/// <summary>Paging for every service's List rpcs: page sizes (0 → default, capped) and opaque offset tokens.</summary>
public static class PageTokens
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public static int Size(int requested)
    {
        if (requested < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_size must be 0 (server default, {DefaultPageSize}) or positive; got {requested}."));
        }

        return requested == 0 ? DefaultPageSize : Math.Min(requested, MaxPageSize);
    }

    public static int Offset(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("o:", StringComparison.Ordinal) &&
                int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return offset;
            }
        }
        catch (FormatException)
        {
            // fall through to the error below
        }

        throw new RpcException(new Status(StatusCode.InvalidArgument,
            "page_token is not a token this server issued; pass the next_page_token of the previous response, or an empty token for the first page."));
    }

    public static string Next(int offset, int returned, bool more) =>
        more ? Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"o:{offset + returned}"))) : "";
}
