using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Fabrix.AppHost.Model;

namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// Checks, before anything starts, that every port is free on 127.0.0.1, and names the fix when one is not: stop the
/// other process, or shift every port with <c>--port-offset</c> by an amount this check found to work.
/// </summary>
internal static class PortCheck
{
    private const int OffsetStep = 10;
    private const int OffsetAttempts = 100;

    public static void EnsureFree(IReadOnlyList<Endpoint> endpoints, int currentOffset)
    {
        EnsureDistinct(endpoints);
        foreach (var endpoint in endpoints)
        {
            if (!IsFree(endpoint.Port))
            {
                var suggestion = SuggestOffset(endpoints, currentOffset) is { } offset
                    ? string.Create(CultureInfo.InvariantCulture, $"--port-offset {offset}")
                    : "--port-offset N";
                throw new AppHostException(string.Create(CultureInfo.InvariantCulture, $"port {endpoint.Port} ({endpoint.DisplayName}) is in use by another process; stop it or run with {suggestion}"));
            }
        }
    }

    /// <summary>True when a listener can bind 127.0.0.1:<paramref name="port"/> right now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // As PostgreSQL, NATS and Kestrel do: connections of a stopped run lingering in TIME_WAIT do not block.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The smallest offset beyond the current one (in steps of 10) at which every port is free.</summary>
    public static int? SuggestOffset(IReadOnlyList<Endpoint> endpoints, int currentOffset)
    {
        for (var attempt = 1; attempt <= OffsetAttempts; attempt++)
        {
            var shift = attempt * OffsetStep;
            if (endpoints.All(e => e.Port + shift <= IPEndPoint.MaxPort && IsFree(e.Port + shift)))
            {
                return currentOffset + shift;
            }
        }

        return null;
    }

    private static void EnsureDistinct(IReadOnlyList<Endpoint> endpoints)
    {
        var clash = endpoints.GroupBy(e => e.Port).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            var names = string.Join(" and ", clash.Select(e => e.DisplayName));
            throw new AppHostException(string.Create(CultureInfo.InvariantCulture, $"port {clash.Key} is assigned twice ({names}); change one with --port"));
        }
    }
}
