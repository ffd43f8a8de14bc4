using System.Net;
using System.Net.Sockets;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Testing;

namespace Fabrix.AppHost.Tests.Orchestration;

/// <summary>Issue 8 section 2: a port in use is one line with the fix, before anything starts.</summary>
public sealed class PreflightTests
{
    [Fact]
    public void CheckPorts_PortHeldByAListener_FailsNamingThePortItsEndpointAndThePortOffset()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;

        var error = Assert.Throws<AppHostException>(() => Preflight.CheckPorts([("registry.http", FreePort.Next()), ("registry.grpc", port)]));

        Assert.Equal(
            $"port {port} (registry.grpc) is in use: stop what listens there (`ss -ltnp 'sport = :{port}'` shows it), or run beside it with --port-offset N and --data DIR",
            error.Message);
    }

    [Fact]
    public void CheckPorts_FreePorts_Passes()
    {
        Preflight.CheckPorts([("registry.http", FreePort.Next()), ("registry.grpc", FreePort.Next())]);
    }

    [Fact]
    public void CheckPorts_AfterTheListenerCloses_Passes()
    {
        int port;
        using (var other = new TcpListener(IPAddress.Loopback, 0))
        {
            other.Start();
            port = ((IPEndPoint)other.LocalEndpoint).Port;
            Assert.Throws<AppHostException>(() => Preflight.CheckPorts([("console.http", port)]));
        }

        Preflight.CheckPorts([("console.http", port)]);
    }

    [Fact]
    public void PortsOf_Platform_AreEveryFixedPortByResourceAndEndpoint()
    {
        using var platform = new PlatformModel(portOffset: 3);

        var ports = Preflight.PortsOf(platform.Model).ToList();

        Assert.Equal(
            [
                ("console.http", 5003), ("nats.monitoring", 8225), ("nats.tcp", 4225), ("postgres.tcp", 5436),
                ("registry.grpc", 5104), ("registry.http", 5103), ("user-management.http", 5203),
            ],
            ports.Order());
    }
}
