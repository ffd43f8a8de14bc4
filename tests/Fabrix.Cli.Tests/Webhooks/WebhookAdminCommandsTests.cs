using System.Text.Json;
using Fabrix.Cli.Tests.Audit;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Webhooks;

namespace Fabrix.Cli.Tests.Webhooks;

/// <summary>
/// <c>fabrix webhooks list|add|remove|rotate|enable|disable|deliveries|retry|replay</c> against the real registry on real
/// PostgreSQL and NATS (issue 11 section 4).
/// </summary>
public sealed class WebhookAdminCommandsTests(RealRegistry registries) : IClassFixture<RealRegistry>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Add_AsPluginManager_PrintsTheSecretOnceAndListShowsNoSecret()
    {
        var registry = await registries.StartAsync();

        var added = await Cli(registry).RunAsync("webhooks", "add", "https://hooks.example.com/in", "--type", "UserCreated", "--type", "UserDeleted",
            "--description", "crm", "--reason", "onboarding", "--role", AdminRoles.PluginManager);
        var listed = await Cli(registry).RunAsync("webhooks", "list", "--json", "--role", AdminRoles.AuditViewer);
        var table = await Cli(registry).RunAsync("webhooks", "list", "--role", AdminRoles.AuditViewer);

        Assert.Equal((0, 0, 0), (added.ExitCode, listed.ExitCode, table.ExitCode));
        var secret = added.Output.Split("Signing secret (shown once, store it now): ")[1].Trim();
        Assert.True(WebhookSecret.TryParse(secret, out var key) && key.Length == 32);
        Assert.DoesNotContain(secret, listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, table.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(listed.Output);
        var endpoint = Assert.Single(json.RootElement.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("url").GetString() == "https://hooks.example.com/in");
        Assert.Equal(["fabrix.canonical.v1.UserCreated", "fabrix.canonical.v1.UserDeleted"], endpoint.GetProperty("event_types").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("UserCreated, UserDeleted", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_PrivateAddress_ExitsWithTheFieldProblem()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("webhooks", "add", "https://10.1.2.3/in", "--reason", "x", "--role", AdminRoles.PluginManager);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("url", result.Error, StringComparison.Ordinal);
        Assert.Contains("not public", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateDisableEnableRemove_AsPluginManager_RoundTrip()
    {
        var registry = await registries.StartAsync();
        var added = await Cli(registry).RunAsync("webhooks", "add", "https://hooks.example.com/cycle", "--reason", "x", "--json", "--role", AdminRoles.PluginManager);
        using var json = JsonDocument.Parse(added.Output);
        var id = json.RootElement.GetProperty("endpoint").GetProperty("id").GetString()!;
        var first = json.RootElement.GetProperty("secret").GetString()!;

        var rotated = await Cli(registry).RunAsync("webhooks", "rotate", id, "--reason", "leak", "--role", AdminRoles.PluginManager);
        var disabled = await Cli(registry).RunAsync("webhooks", "disable", id, "--reason", "maintenance", "--role", AdminRoles.PluginManager);
        var enabled = await Cli(registry).RunAsync("webhooks", "enable", id, "--reason", "done", "--role", AdminRoles.PluginManager);
        var deliveries = await Cli(registry).RunAsync("webhooks", "deliveries", id, "--role", AdminRoles.AuditViewer);
        var removed = await Cli(registry).RunAsync("webhooks", "remove", id, "--reason", "gone", "--role", AdminRoles.PluginManager);
        var again = await Cli(registry).RunAsync("webhooks", "remove", id, "--reason", "gone", "--role", AdminRoles.PluginManager);

        Assert.Equal((0, 0, 0, 0, 0), (rotated.ExitCode, disabled.ExitCode, enabled.ExitCode, deliveries.ExitCode, removed.ExitCode));
        Assert.Contains("Signing secret (shown once, store it now): whsec_", rotated.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(first, rotated.Output, StringComparison.Ordinal);
        Assert.Contains($"{id} is disabled (disabled by user:", disabled.Output, StringComparison.Ordinal);
        Assert.Contains($"{id} is enabled.", enabled.Output, StringComparison.Ordinal);
        Assert.Contains("No deliveries yet.", deliveries.Output, StringComparison.Ordinal);
        Assert.Contains($"{id} removed.", removed.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("No webhook endpoint has the id", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_AsAuditViewer_Refused()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("webhooks", "add", "https://hooks.example.com/viewer", "--reason", "x", "--role", AdminRoles.AuditViewer);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("may not webhook.add", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_EventNotInTheLog_ExitsNonZeroNotFound()
    {
        var registry = await registries.StartAsync();
        var added = await Cli(registry).RunAsync("webhooks", "add", "https://hooks.example.com/retry", "--reason", "x", "--json", "--role", AdminRoles.PluginManager);
        using var json = JsonDocument.Parse(added.Output);
        var id = json.RootElement.GetProperty("endpoint").GetProperty("id").GetString()!;

        var result = await Cli(registry).RunAsync("webhooks", "retry", id, Guid.NewGuid().ToString(), "--reason", "x", "--role", AdminRoles.PluginManager);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("is in the delivery log", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yesterday", "is not an ISO 8601 time with its offset")]
    [InlineData("2026-12-06T08:00:00", "has no offset: add Z (UTC) or +hh:mm")]
    [InlineData("2999-01-01T00:00:00Z", "is in the future")]
    public async Task Replay_BadSince_ExitsWithUsageBeforeAskingTheRegistry(string since, string problem)
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("webhooks", "replay", "wh_00000000000000000000000000000000", "--since", since, "--reason", "x", "--role", AdminRoles.PluginManager);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(problem, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_DisabledEndpoint_ExitsNonZeroSayingEnableItFirst()
    {
        var registry = await registries.StartAsync();
        var id = await AddAsync(registry, "https://hooks.example.com/replay-disabled");
        await Cli(registry).RunAsync("webhooks", "disable", id, "--reason", "x", "--role", AdminRoles.PluginManager);

        var result = await Cli(registry).RunAsync("webhooks", "replay", id, "--since", "2h", "--reason", "x", "--role", AdminRoles.PluginManager);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("enable it first", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_NoCoreEvents_ExitsNonZeroSayingNoReplayStarted()
    {
        var registry = await registries.StartAsync();
        var id = await AddAsync(registry, "https://hooks.example.com/replay-alone");

        var result = await Cli(registry).RunAsync("webhooks", "replay", id, "--since", "2026-01-01T00:00:00Z", "--reason", "x", "--role", AdminRoles.PluginManager);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no replay was started", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_AsAuditViewer_Refused()
    {
        var registry = await registries.StartAsync();
        var id = await AddAsync(registry, "https://hooks.example.com/replay-viewer");

        var result = await Cli(registry).RunAsync("webhooks", "replay", id, "--since", "1d", "--reason", "x", "--role", AdminRoles.AuditViewer);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("may not webhook.replay", result.Error, StringComparison.Ordinal);
    }

    private async Task<string> AddAsync(RunningRegistry registry, string url)
    {
        var added = await Cli(registry).RunAsync("webhooks", "add", url, "--reason", "x", "--json", "--role", AdminRoles.PluginManager);
        using var json = JsonDocument.Parse(added.Output);
        return json.RootElement.GetProperty("endpoint").GetProperty("id").GetString()!;
    }

    private CliRun Cli(RunningRegistry registry) =>
        new CliRun(_directory.Path) { OpenChannel = registry.OpenChannel }
            .With("FABRIX_REGISTRY", "http://registry.test")
            .With("Fabrix__DevAdmin__KeyFile", registries.DevKeyPath);
}
