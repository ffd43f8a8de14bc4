using Fabrix.Contracts.Registry.V1;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.Heartbeat;

/// <summary>Heartbeats: periodic, authenticated, with metrics; the answered status is reported to the app.</summary>
public sealed class HeartbeatTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Heartbeat_EveryInterval_SendsMetricsWithToken()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await StartAsync(server);

        _time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.WaitAsync(() => registry.CallsTo("Heartbeat").Count == 1, "the first heartbeat", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.WaitAsync(() => registry.CallsTo("Heartbeat").Count == 2, "the second heartbeat", TestContext.Current.CancellationToken);

        var beats = registry.CallsTo("Heartbeat");
        Assert.All(beats, beat =>
        {
            Assert.Equal("Bearer token-1", beat.Authorization);
            Assert.Equal(PluginUnderTest.PluginId, beat.Heartbeat!.PluginId);
            Assert.True(beat.Heartbeat.Metrics["working_set_mb"] > 0);
        });
        Assert.Equal(TimeSpan.FromSeconds(10), beats[1].At - beats[0].At);
        Assert.True(beats[1].Heartbeat!.Metrics["uptime_seconds"] >= 20);
    }

    [Fact]
    public async Task Heartbeat_RegistryReportsActive_StatusVisibleToApp()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await StartAsync(server);
        Assert.Equal(PluginStatus.Registered, plugin.Plugin.Registration.Status);
        registry.Status = PluginStatus.Active;

        _time.Advance(TimeSpan.FromSeconds(10));

        await Eventually.WaitAsync(() => plugin.Plugin.Registration.Status == PluginStatus.Active, "the active status", TestContext.Current.CancellationToken);
        Assert.Equal(PluginRegistrationState.Registered, plugin.Plugin.Registration.State);
    }

    [Fact]
    public async Task Heartbeat_NotRegistered_SendsNothing()
    {
        var registry = new ScriptedPluginRegistry(_time)
        {
            RegisterFailure = _ => new RpcException(new Status(StatusCode.PermissionDenied, "not installed")),
        };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        var settings = PluginUnderTest.DefaultSettings(server.Address);
        settings["Fabrix:Plugin:HeartbeatInterval"] = "00:00:10";
        await using var plugin = await PluginUnderTest.StartAsync(_time, settings);
        await Eventually.WaitAsync(() => plugin.Plugin.Registration.State == PluginRegistrationState.Refused, "the refusal", TestContext.Current.CancellationToken);

        await FakeClockSteps.AdvanceWhileAsync(_time, () => registry.CallsTo("Heartbeat").Count == 0, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(40), "no heartbeats");
    }

    private async Task<PluginUnderTest> StartAsync(ScriptedRegistryServer server)
    {
        var settings = PluginUnderTest.DefaultSettings(server.Address);
        settings["Fabrix:Plugin:HeartbeatInterval"] = "00:00:10";
        var plugin = await PluginUnderTest.StartAsync(_time, settings);
        await plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        return plugin;
    }
}
