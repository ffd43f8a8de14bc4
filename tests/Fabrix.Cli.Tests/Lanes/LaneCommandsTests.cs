using System.Text.Json;
using Fabrix.Cli.Tests.Audit;
using Fabrix.Contracts.Identity;

namespace Fabrix.Cli.Tests.Lanes;

/// <summary><c>fabrix lanes status</c> and <c>fabrix lanes switch</c> against the real registry on real PostgreSQL and NATS.</summary>
public sealed class LaneCommandsTests(RealRegistry registries) : IClassFixture<RealRegistry>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Status_NoLaneReported_PrintsRevisionAndEverySwitch()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("lanes", "status", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Registry revision 1;", result.Output, StringComparison.Ordinal);
        Assert.Contains("No lane has reported.", result.Output, StringComparison.Ordinal);
        foreach (var name in new[] { "operator", "canonical", "proxy", "egress-kill" })
        {
            Assert.Contains(name, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Switch_OffAsAdminWithReason_StoredAndShownByStatusJson()
    {
        var registry = await registries.StartAsync();

        var flipped = await Cli(registry).RunAsync("lanes", "switch", "proxy", "off", "--reason", "maintenance window", "--user", "ada");
        var status = await Cli(registry).RunAsync("lanes", "status", "--json", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, flipped.ExitCode);
        Assert.Contains("proxy is off (set by user:ada: maintenance window)", flipped.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(status.Output);
        var proxy = json.RootElement.GetProperty("switches").GetProperty("switches").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == "POLICY_SWITCH_NAME_LANE_PROXY");
        Assert.False(proxy.GetProperty("on").GetBoolean());
        Assert.Equal("maintenance window", proxy.GetProperty("reason").GetString());
        // Proto JSON: 64-bit integers are strings.
        Assert.Equal("2", json.RootElement.GetProperty("status").GetProperty("revision").GetString());
    }

    [Fact]
    public async Task Switch_AsPluginManager_ExitsOneWithPermissionDenied()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("lanes", "switch", "operator", "off", "--reason", "try", "--role", AdminRoles.PluginManager);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Permission denied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switch_UnknownName_UsageError()
    {
        var result = await new CliRun(_directory.Path).RunAsync("lanes", "switch", "teleport", "on", "--reason", "x");

        Assert.Equal(2, result.ExitCode);
    }

    private CliRun Cli(RunningRegistry registry) =>
        new CliRun(_directory.Path) { OpenChannel = registry.OpenChannel }
            .With("FABRIX_REGISTRY", "http://registry.test")
            .With("Fabrix__DevAdmin__KeyFile", registries.DevKeyPath);
}
