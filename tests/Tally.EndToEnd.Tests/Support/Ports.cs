using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tally.EndToEnd.Tests.Support;

/// <summary>
/// Loopback ports for the processes the tests start, taken in order from a range (TALLY_E2E_PORT_BASE, default 7500,
/// 100 ports), skipping any that something else holds. Never reused within a test run.
/// </summary>
public static class Ports
{
    public const string BaseVariable = "TALLY_E2E_PORT_BASE";
    private const int RangeSize = 100;
    private static readonly Lock Gate = new();
    private static int _next = -1;

    public static int Next()
    {
        lock (Gate)
        {
            var first = int.TryParse(Environment.GetEnvironmentVariable(BaseVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : 7500;
            if (_next < 0)
            {
                _next = first;
            }

            while (_next < first + RangeSize)
            {
                var port = _next++;
                if (IsFree(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException($"no free port left in {first}..{first + RangeSize - 1}; set {BaseVariable} to another range");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
