using System.Text.Json;
using Fabrix.Cli.Tests.Audit;
using Fabrix.Contracts.Identity;

namespace Fabrix.Cli.Tests.Gateway;

/// <summary><c>fabrix gateway grants</c> and <c>fabrix gateway limits</c> against the real registry on real PostgreSQL and NATS.</summary>
public sealed class GrantCommandsTests(RealRegistry registries) : IClassFixture<RealRegistry>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task GrantsAddListRevoke_AsPluginManager_RoundTrips()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("grant", 2);

        var added = await Cli(registry).RunAsync("gateway", "grants", "add", "grant-0", "grant-1", "--reason", "monthly report", "--role", AdminRoles.PluginManager);
        var listed = await Cli(registry).RunAsync("gateway", "grants", "list", "--json", "--role", AdminRoles.AuditViewer);
        var table = await Cli(registry).RunAsync("gateway", "grants", "list", "--plugin", "grant-1", "--role", AdminRoles.AuditViewer);
        var revoked = await Cli(registry).RunAsync("gateway", "grants", "revoke", "grant-0", "grant-1", "--reason", "done", "--role", AdminRoles.PluginManager);
        var after = await Cli(registry).RunAsync("gateway", "grants", "list", "--role", AdminRoles.AuditViewer);

        Assert.Equal((0, 0, 0, 0), (added.ExitCode, listed.ExitCode, table.ExitCode, revoked.ExitCode));
        Assert.Contains("Granted grant-0 -> grant-1", added.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(listed.Output);
        var grant = Assert.Single(json.RootElement.GetProperty("grants").EnumerateArray());
        Assert.Equal(("grant-0", "grant-1", "monthly report"),
            (grant.GetProperty("caller").GetString(), grant.GetProperty("target").GetString(), grant.GetProperty("reason").GetString()));
        Assert.Contains("monthly report", table.Output, StringComparison.Ordinal);
        Assert.Contains("No grants.", after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrantsAdd_AsAuditViewer_ExitsOneWithPermissionDenied()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("viewer", 2);

        var result = await Cli(registry).RunAsync("gateway", "grants", "add", "viewer-0", "viewer-1", "--reason", "x", "--role", AdminRoles.AuditViewer);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Permission denied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrantsRevoke_NoSuchGrant_ExitsOneNotFound()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("nogrant", 2);

        var result = await Cli(registry).RunAsync("gateway", "grants", "revoke", "nogrant-0", "nogrant-1", "--reason", "x");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Not found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LimitsSetListClear_AsAdmin_RoundTrips()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("limited", 1);

        var set = await Cli(registry).RunAsync("gateway", "limits", "set", "limited-0", "--rps", "25", "--burst", "50", "--reason", "noisy", "--json");
        var listed = await Cli(registry).RunAsync("gateway", "limits", "list", "--role", AdminRoles.AuditViewer);
        var cleared = await Cli(registry).RunAsync("gateway", "limits", "clear", "limited-0", "--reason", "calm again");
        var after = await Cli(registry).RunAsync("gateway", "limits", "list", "--role", AdminRoles.AuditViewer);

        Assert.Equal((0, 0, 0), (set.ExitCode, listed.ExitCode, cleared.ExitCode));
        using var json = JsonDocument.Parse(set.Output);
        var operatorLimits = json.RootElement.GetProperty("limits").GetProperty("operator");
        Assert.Equal((25d, 50), (operatorLimits.GetProperty("requests_per_second").GetDouble(), operatorLimits.GetProperty("burst").GetInt32()));
        Assert.Contains("limited-0", listed.Output, StringComparison.Ordinal);
        Assert.Contains("noisy", listed.Output, StringComparison.Ordinal);
        Assert.Contains("No Operator lane overrides", after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LimitsSet_ZeroRate_ExitsOneNamingTheField()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("zero", 1);

        var result = await Cli(registry).RunAsync("gateway", "limits", "set", "zero-0", "--rps", "0", "--reason", "x");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("operator.requests_per_second", result.Error, StringComparison.Ordinal);
    }

    private CliRun Cli(RunningRegistry registry) =>
        new CliRun(_directory.Path) { OpenChannel = registry.OpenChannel }
            .With("FABRIX_REGISTRY", "http://registry.test")
            .With("Fabrix__DevAdmin__KeyFile", registries.DevKeyPath);
}
