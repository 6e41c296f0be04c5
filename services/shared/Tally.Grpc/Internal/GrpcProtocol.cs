using System.Net;

namespace Tally.Grpc.Internal;

/// <summary>Wire names and the fixed mappings of the gRPC over HTTP/2 protocol.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string Identity = "identity";
    public const string Gzip = "gzip";
    public const string SupportedEncodings = "identity,gzip";
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    private static readonly string[] CodeNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    private static readonly string[] CodeNumbers = Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The canonical UPPER_SNAKE name, e.g. NOT_FOUND.</summary>
    public static string CodeName(StatusCode code) => (uint)code < CodeNames.Length ? CodeNames[(int)code] : "UNKNOWN";

    public static string CodeNumber(StatusCode code) =>
        (uint)code < CodeNumbers.Length ? CodeNumbers[(int)code] : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>application/grpc, application/grpc+proto, optionally with parameters.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var rest = contentType.AsSpan(ContentType.Length);
        if (rest.StartsWith("+proto", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[6..];
        }
        return rest.IsEmpty || rest[0] == ';';
    }

    /// <summary>The HTTP status → gRPC status mapping for responses that are not gRPC (PROTOCOL-HTTP2 / http-grpc-status-mapping).</summary>
    public static StatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>HTTP/2 RST_STREAM / GOAWAY error code → gRPC status (PROTOCOL-HTTP2 "Errors").</summary>
    public static StatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable,        // REFUSED_STREAM: nothing was processed, safe to retry
        0x8 => StatusCode.Cancelled,          // CANCEL
        0xb => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
        0xc => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
        _ => StatusCode.Internal,             // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ...
    };

    /// <summary>Does a grpc-accept-encoding list contain this encoding?</summary>
    public static bool AcceptsEncoding(string? acceptEncoding, string encoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return false;
        }
        foreach (var range in acceptEncoding.AsSpan().Split(','))
        {
            if (acceptEncoding.AsSpan(range).Trim().Equals(encoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
