namespace Tally.Grpc;

/// <summary>Reading the transport failures behind an UNAVAILABLE status (<see cref="Status.DebugException"/>).</summary>
public static class ConnectionFailures
{
    /// <summary>
    /// The server accepted the connection (and the TLS handshake, if any) but closed it before HTTP/2 began: a TLS port
    /// spoken to in cleartext, or a TLS server refusing the client's certificate (with TLS 1.3 the client's side of the
    /// handshake is over before the server judges the certificate, so the refusal arrives as a closed connection).
    /// .NET reports this as InvalidResponse, ResponseEnded, an unclassified I/O failure, an unclassified failure with no
    /// inner exception (the pool's "the server did not complete the HTTP/2 handshake", when the connection failed while
    /// the request waited for it), a reset connection, or — when the server's TLS alert overtakes the end of the
    /// handshake — a secure-connection error, depending on timing.
    /// A refused connection (nothing listening) is none of these.
    /// </summary>
    public static bool ClosedBeforeHttp2(Exception? exception) => exception is HttpRequestException request && request.HttpRequestError switch
    {
        HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded => true,
        HttpRequestError.Unknown => request.InnerException is null || HasInner<IOException>(request),
        HttpRequestError.SecureConnectionError => HasInner<System.Security.Authentication.AuthenticationException>(request),
        HttpRequestError.ConnectionError => Inner<System.Net.Sockets.SocketException>(request) is { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset },
        _ => false,
    };

    private static T? Inner<T>(Exception exception) where T : Exception
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
        }
        return null;
    }

    private static bool HasInner<T>(Exception exception) where T : Exception
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T) return true;
        }
        return false;
    }
}
