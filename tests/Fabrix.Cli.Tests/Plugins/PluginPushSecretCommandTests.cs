using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Cli.Tests.Plugins;

/// <summary>Issue 11 section 3: <c>fabrix plugins rotate-push-secret ID --reason TEXT</c>; never prints a secret.</summary>
public sealed class PluginPushSecretCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private RecordingRegistry _registry = null!;
    private string _keyFile = null!;

    public async ValueTask InitializeAsync()
    {
        _registry = await RecordingRegistry.StartAsync();
        _keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_directory.Path, "keys", "admin.pem"));
    }

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task RotatePushSecret_IdAndReason_SendsBothAndPrintsTheOverlapWindow()
    {
        var result = await Cli().RunAsync("plugins", "rotate-push-secret", "user-management", "--reason", "leaked in a log");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<RotatePushSecretRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal(("user-management", "leaked in a log"), (request.Id, request.Reason));
        Assert.StartsWith("Bearer ", Assert.Single(_registry.Admin.Authorizations), StringComparison.Ordinal);
        Assert.Contains("Rotated the push secret of user-management at 2025-03-04 12:00:00Z", result.Output, StringComparison.Ordinal);
        Assert.Contains("valid until 2025-03-05 12:00:00Z", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotatePushSecret_Json_IsOneObjectWithTheTimesAndNoSecret()
    {
        var result = await Cli().RunAsync("plugins", "rotate-push-secret", "user-management", "--reason", "quarterly", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(["plugin_id", "rotated_at", "previous_valid_until"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2025-03-05 12:00:00Z", json.RootElement.GetProperty("previous_valid_until").GetString());
    }

    [Theory]
    [InlineData("user-management")]
    [InlineData("user-management", "--reason")]
    [InlineData("--reason", "why")]
    public async Task RotatePushSecret_MissingIdOrReason_UsageErrorBeforeAskingTheRegistry(params string[] arguments)
    {
        var result = await Cli().RunAsync(["plugins", "rotate-push-secret", .. arguments]);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task RotatePushSecret_NotAPushPlugin_ExitsOneWithTheRegistrysReason()
    {
        var result = await Cli().RunAsync("plugins", "rotate-push-secret", RecordingRegistryAdmin.RefusedId, "--reason", "wrong plugin");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not receive its events by HTTP push", result.Error, StringComparison.Ordinal);
    }

    private CliRun Cli() => new CliRun(_directory.Path) { OpenChannel = _registry.OpenChannel }
        .With("FABRIX_REGISTRY", RecordingRegistry.Address.ToString())
        .With(DevelopmentAdminToken.KeyFileEnvironmentVariable, _keyFile);
}
