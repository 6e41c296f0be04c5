using System.Net;
using System.Net.Sockets;

namespace Tally.Testing;

/// <summary>
/// Free loopback ports for a test host. Both listeners stay open until both ports are known, so the two are never the
/// same port (asking twice in a row can return one port twice once the first listener is closed). Linked into the
/// test projects that start hosts on two ports.
/// </summary>
internal static class FreePorts
{
    public static (int First, int Second) Two()
    {
        using var a = new TcpListener(IPAddress.Loopback, 0);
        using var b = new TcpListener(IPAddress.Loopback, 0);
        a.Start();
        b.Start();
        var ports = (((IPEndPoint)a.LocalEndpoint).Port, ((IPEndPoint)b.LocalEndpoint).Port);
        a.Stop();
        b.Stop();
        return ports;
    }
}
