using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Orchestration;
using Fabrix.Testing;

namespace Fabrix.AppHost.Tests.Orchestration;

public sealed class PortCheckTests
{
    [Fact]
    public void EnsureFree_PortInUse_GivesOneLineCauseWithAnOffsetThatWorks()
    {
        using var other = Listen(out var port);
        var endpoints = new[] { new Endpoint("registry", "http", "http", EndpointProtocol.Http1, port) };

        var error = Assert.Throws<AppHostException>(() => PortCheck.EnsureFree(endpoints, currentOffset: 0));

        var match = Regex.Match(error.Message, @"^port (\d+) \(registry http\) is in use by another process; stop it or run with --port-offset (\d+)$");
        Assert.True(match.Success, error.Message);
        Assert.Equal(port, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var offset = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(PortCheck.IsFree(port + offset));
    }

    [Fact]
    public void EnsureFree_PortInUseWithAnOffsetAlready_SuggestsTheTotalOffset()
    {
        using var other = Listen(out var port);
        var endpoints = new[] { new Endpoint("console", "http", "http", EndpointProtocol.Http1, port) };

        var error = Assert.Throws<AppHostException>(() => PortCheck.EnsureFree(endpoints, currentOffset: 1000));

        var offset = int.Parse(Regex.Match(error.Message, @"--port-offset (\d+)$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(offset > 1000);
    }

    [Fact]
    public void EnsureFree_AllPortsFree_Passes()
    {
        var endpoints = new[]
        {
            new Endpoint("registry", "http", "http", EndpointProtocol.Http1, FreePort.Next()),
            new Endpoint("registry", "grpc", "http", EndpointProtocol.Http2, FreePort.Next()),
        };

        PortCheck.EnsureFree(endpoints, currentOffset: 0);
    }

    [Fact]
    public void EnsureFree_SamePortTwice_NamesBothEndpoints()
    {
        var port = FreePort.Next();
        var endpoints = new[]
        {
            new Endpoint("registry", "http", "http", EndpointProtocol.Http1, port),
            new Endpoint("console", "http", "http", EndpointProtocol.Http1, port),
        };

        var error = Assert.Throws<AppHostException>(() => PortCheck.EnsureFree(endpoints, currentOffset: 0));

        Assert.Equal($"port {port} is assigned twice (registry http and console http); change one with --port", error.Message);
    }

    [Fact]
    public void IsFree_AfterTheListenerCloses_IsTrue()
    {
        int port;
        using (Listen(out port))
        {
            Assert.False(PortCheck.IsFree(port));
        }

        Assert.True(PortCheck.IsFree(port));
    }

    private static TcpListener Listen(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }
}
