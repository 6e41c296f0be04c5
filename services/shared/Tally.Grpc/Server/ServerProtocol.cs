using Microsoft.AspNetCore.Http;
using Tally.Grpc.Internal;

namespace Tally.Grpc.Server;

/// <summary>Request checks that come before any gRPC call exists, and Trailers-Only responses.</summary>
internal static class ServerProtocol
{
    /// <summary>HTTP/2 and a gRPC content-type, or an HTTP error response (with a gRPC status for gRPC-aware clients).</summary>
    public static bool ValidateRequest(HttpContext http)
    {
        var request = http.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            Reject(http, StatusCodes.Status426UpgradeRequired,
                $"Request protocol '{request.Protocol}' is not supported: gRPC needs HTTP/2.");
            return false;
        }
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            Reject(http, StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type '{request.ContentType}' is not supported: gRPC requests use application/grpc or application/grpc+proto.");
            return false;
        }
        return true;
    }

    /// <summary>A complete response of headers only, carrying the status.</summary>
    public static void WriteTrailersOnly(HttpContext http, Status status)
    {
        var response = http.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.CodeNumber(status.StatusCode);
        response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
    }

    private static void Reject(HttpContext http, int httpStatus, string message)
    {
        var response = http.Response;
        response.StatusCode = httpStatus;
        if (httpStatus == StatusCodes.Status426UpgradeRequired)
        {
            response.Headers.Upgrade = "h2c";
            response.Headers.Connection = "Upgrade";
        }
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.CodeNumber(StatusCode.Internal);
        response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(message);
    }
}
