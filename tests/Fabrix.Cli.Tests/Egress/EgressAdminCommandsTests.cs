using System.Text.Json;
using Fabrix.Cli.Tests.Audit;
using Fabrix.Contracts.Identity;

namespace Fabrix.Cli.Tests.Egress;

/// <summary>
/// <c>fabrix egress status|lane|kill|mode|quota|deny</c> against the real registry on real PostgreSQL and NATS
/// (issue 12 section 4).
/// </summary>
public sealed class EgressAdminCommandsTests(RealRegistry registries) : IClassFixture<RealRegistry>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task DenyAddListRemove_AsPluginManager_RoundTripsNormalized()
    {
        var registry = await registries.StartAsync();

        var added = await Cli(registry).RunAsync("egress", "deny", "add", "*.PasteBin.Example.", "--reason", "exfiltration", "--role", AdminRoles.PluginManager,
            "--user", "pat");
        var listed = await Cli(registry).RunAsync("egress", "deny", "list", "--json", "--role", AdminRoles.AuditViewer);
        var removed = await Cli(registry).RunAsync("egress", "deny", "remove", "*.pastebin.example", "--reason", "false alarm", "--role", AdminRoles.PluginManager);
        var after = await Cli(registry).RunAsync("egress", "deny", "list", "--role", AdminRoles.AuditViewer);

        Assert.Equal((0, 0, 0, 0), (added.ExitCode, listed.ExitCode, removed.ExitCode, after.ExitCode));
        Assert.Contains("*.pastebin.example is denied (added by user:pat: exfiltration)", added.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(listed.Output);
        var entry = Assert.Single(json.RootElement.GetProperty("denied_domains").EnumerateArray());
        Assert.Equal(("*.pastebin.example", "exfiltration"), (entry.GetProperty("pattern").GetString(), entry.GetProperty("reason").GetString()));
        Assert.Contains("The deny list is empty.", after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DenyAdd_IpLiteral_ExitsWithTheFieldProblem()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("egress", "deny", "add", "10.0.0.1", "--reason", "x", "--role", AdminRoles.PluginManager);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("pattern", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DenyRemove_NotListed_ExitsNonZeroNotFound()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("egress", "deny", "remove", "never.example", "--reason", "x", "--role", AdminRoles.PluginManager);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not on the egress deny list", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModeThenQuota_KeepEachOtherAndShowInStatus()
    {
        var registry = await registries.StartAsync();
        await registry.InstallAsync("mailer", 1);

        var mode = await Cli(registry).RunAsync("egress", "mode", "mailer-0", "report", "--reason", "rollout", "--role", AdminRoles.PluginManager);
        var quota = await Cli(registry).RunAsync("egress", "quota", "mailer-0", "--rps", "5", "--bytes-per-second", "1000", "--reason", "noisy",
            "--role", AdminRoles.PluginManager);
        var status = await Cli(registry).RunAsync("egress", "status", "--json", "--role", AdminRoles.AuditViewer);
        var table = await Cli(registry).RunAsync("egress", "status", "--role", AdminRoles.AuditViewer);

        Assert.Equal((0, 0, 0, 0), (mode.ExitCode, quota.ExitCode, status.ExitCode, table.ExitCode));
        Assert.Contains("mailer-0: Proxy lane mode report", mode.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(status.Output);
        var proxy = Assert.Single(json.RootElement.GetProperty("limits").GetProperty("limits").EnumerateArray()).GetProperty("limits").GetProperty("proxy");
        Assert.Equal(("PROXY_MODE_REPORT", 5d, "1000"),
            (proxy.GetProperty("mode").GetString(), proxy.GetProperty("requests_per_second").GetDouble(), proxy.GetProperty("bytes_per_second").GetString()));
        Assert.False(json.RootElement.GetProperty("kill_switch").GetProperty("on").GetBoolean());
        Assert.True(json.RootElement.GetProperty("lane").GetProperty("on").GetBoolean());
        Assert.Contains("Egress kill switch: off", table.Output, StringComparison.Ordinal);
        Assert.Contains("mailer-0", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_AsAdmin_OnAndShownByStatus()
    {
        var registry = await registries.StartAsync();

        var flipped = await Cli(registry).RunAsync("egress", "kill", "on", "--reason", "incident 7", "--role", AdminRoles.Admin, "--user", "ada");
        var status = await Cli(registry).RunAsync("egress", "status", "--role", AdminRoles.AuditViewer);

        Assert.Equal((0, 0), (flipped.ExitCode, status.ExitCode));
        Assert.Contains("egress-kill is on (set by user:ada: incident 7)", flipped.Output, StringComparison.Ordinal);
        Assert.Contains("Egress kill switch: ON", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lane_OffAsPluginManager_ExitsOneWithPermissionDenied()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("egress", "lane", "off", "--reason", "try", "--role", AdminRoles.PluginManager);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Permission denied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lane_OffAsAdmin_ProxyLaneSwitchOff()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("egress", "lane", "off", "--reason", "maintenance", "--json", "--role", AdminRoles.Admin);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(("POLICY_SWITCH_NAME_LANE_PROXY", false), (json.RootElement.GetProperty("name").GetString(), json.RootElement.GetProperty("on").GetBoolean()));
    }

    private CliRun Cli(RunningRegistry registry) =>
        new CliRun(_directory.Path) { OpenChannel = registry.OpenChannel }
            .With("FABRIX_REGISTRY", "http://registry.test")
            .With("Fabrix__DevAdmin__KeyFile", registries.DevKeyPath);
}
