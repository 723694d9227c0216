using System.Net;
using System.Net.Sockets;

namespace PortScanEdge.Core.Networking;

/// <summary>Free TCP ports on the loopback interface, for benchmarks, demos and tests that start their own listeners.</summary>
public static class LoopbackPort
{
    /// <summary>
    /// A port nothing listens on right now, picked by the operating system from its ephemeral range (so never a
    /// well-known port such as 1883 or 8080). Another process may take it before the caller binds it: rare, and
    /// the caller's bind then fails with a clear error.
    /// </summary>
    public static int PickFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
