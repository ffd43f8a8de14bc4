using System.Net;
using System.Net.Sockets;

namespace Fabrix.Testing;

/// <summary>Free loopback TCP ports for servers started by tests.</summary>
public static class FreePort
{
    /// <summary>A port that was free a moment ago (the OS picks it; a race with another process is possible, so starters retry).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
