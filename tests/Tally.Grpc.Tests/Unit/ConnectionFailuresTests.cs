using System.Net.Http;
using System.Net.Sockets;

namespace Tally.Grpc.Tests.Unit;

/// <summary>
/// Which transport failures mean "the server took the connection and closed it before HTTP/2 began" (a TLS port spoken
/// to in cleartext, a refused client certificate): the forms .NET gives that failure, depending on timing, and the ones
/// that mean something else.
/// </summary>
public sealed class ConnectionFailuresTests
{
    public static TheoryData<string, Exception, bool> Cases() => new()
    {
        { "response ended", new HttpRequestException(HttpRequestError.ResponseEnded, "ended"), true },
        { "invalid response", new HttpRequestException(HttpRequestError.InvalidResponse, "bad"), true },
        { "unclassified, I/O inside", new HttpRequestException("failed", new IOException("closed")), true },
        // the pool's "the server did not complete the HTTP/2 handshake" when the request waited for a connection that failed
        { "unclassified, nothing inside", new HttpRequestException("An HTTP/2 connection could not be established."), true },
        { "reset", new HttpRequestException(HttpRequestError.ConnectionError, "reset", new SocketException((int)SocketError.ConnectionReset)), true },
        { "refused: nothing listens", new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused)), false },
        { "name not resolved", new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"), false },
        { "unclassified, something else inside", new HttpRequestException("failed", new InvalidOperationException("bug")), false },
        { "not an HTTP failure", new IOException("closed"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClosedBeforeHttp2_RecognisesEveryFormOfTheFailure_AndNothingElse(string what, Exception failure, bool closedBeforeHttp2) =>
        Assert.True(ConnectionFailures.ClosedBeforeHttp2(failure) == closedBeforeHttp2, $"{what}: expected {closedBeforeHttp2}");
}
