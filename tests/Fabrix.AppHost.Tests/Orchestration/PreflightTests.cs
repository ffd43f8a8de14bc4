using System.Net;
using System.Net.Sockets;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;

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
                ("accounting.http", 5213), ("console.http", 5003), ("events.grpc", 5314), ("events.http", 5313), ("gateway.h2c", 5304), ("gateway.http", 5303), ("hr.http", 5218), ("nats.monitoring", 8225), ("nats.tcp", 4225),
                ("notifications.http", 5228), ("postgres.tcp", 5436), ("proxy.http", 5308), ("receiver.http", 5408), ("registry.grpc", 5104), ("registry.http", 5103), ("user-management.grpc", 5204), ("user-management.http", 5203),
            ],
            ports.Order());
    }

    [Fact]
    public async Task Run_RunMode_WritesTheDevelopmentKeyAndItsPublicHalf()
    {
        using var data = new TempFolder();
        var layout = new FabrixLayout(RepositoryRoot.Path, data.Path, 0);

        await Preflight.RunAsync(BeforeStart(DistributedApplicationOperation.Run), layout, [("dashboard", FreePort.Next())], TestContext.Current.CancellationToken);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(layout.DevAdminKeyFile), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(layout.DevAdminPublicKeyFile), StringComparison.Ordinal);
        Assert.True(Directory.Exists(layout.LogsDirectory));
    }

    [Fact]
    public async Task Run_ExtraPortInUse_FailsBeforeWritingAnything()
    {
        using var data = new TempFolder();
        var layout = new FabrixLayout(RepositoryRoot.Path, data.Path, 0);
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<AppHostException>(() => Preflight.RunAsync(BeforeStart(DistributedApplicationOperation.Run), layout, [("dashboard", port)], TestContext.Current.CancellationToken));

        Assert.StartsWith($"port {port} (dashboard) is in use", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(layout.DevAdminKeyFile));
    }

    [Fact]
    public async Task Run_PublishMode_ChecksAndWritesNothing()
    {
        using var data = new TempFolder();
        var layout = new FabrixLayout(RepositoryRoot.Path, data.Path, 0);
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();

        await Preflight.RunAsync(BeforeStart(DistributedApplicationOperation.Publish), layout, [("dashboard", ((IPEndPoint)other.LocalEndpoint).Port)], TestContext.Current.CancellationToken);

        Assert.False(File.Exists(layout.DevAdminKeyFile));
    }

    /// <summary>Aspire's event before anything starts, for a model without resources.</summary>
    private static BeforeStartEvent BeforeStart(DistributedApplicationOperation operation)
    {
        var services = new ServiceCollection().AddSingleton(new DistributedApplicationExecutionContext(operation)).BuildServiceProvider();
        var model = new DistributedApplicationModel(DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true }).Resources);
        return new BeforeStartEvent(services, model);
    }
}
