using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Cli.Tests.Plugins;

public sealed class PluginVersionCommandsTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private VersionsRegistry _registry = null!;
    private string _keyFile = null!;

    public async ValueTask InitializeAsync()
    {
        _registry = await VersionsRegistry.StartAsync();
        _keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_directory.Path, "keys", "admin.pem"));
    }

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Versions_Plugin_PrintsTableNewestFirstWithDigestPrefixInstallerAndPin()
    {
        var result = await Cli().RunAsync("plugins", "versions", "user-management");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<ListPluginVersionsRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal("user-management", request.Id);
        var lines = result.Output.Split('\n');
        var header = Assert.Single(lines, l => l.Contains("VERSION", StringComparison.Ordinal));
        Assert.Contains("INSTALLED BY", header, StringComparison.Ordinal);
        var newer = Assert.Single(lines, l => l.Contains("1.1.0", StringComparison.Ordinal));
        var pinned = Assert.Single(lines, l => l.Contains("1.0.0", StringComparison.Ordinal));
        Assert.True(Array.IndexOf(lines, newer) < Array.IndexOf(lines, pinned), result.Output);
        Assert.Contains("fedcba987654 ", newer, StringComparison.Ordinal);
        Assert.DoesNotContain(VersionsRegistryAdmin.Digest110, result.Output, StringComparison.Ordinal);
        Assert.Contains("user:ada", newer, StringComparison.Ordinal);
        Assert.Contains("2025-01-02 03:04:05Z", pinned, StringComparison.Ordinal);
        Assert.Contains("pinned", pinned, StringComparison.Ordinal);
        Assert.DoesNotContain("pinned", newer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_UnknownPlugin_ExitsOneWithServerReason()
    {
        var result = await Cli().RunAsync("plugins", "versions", "ghost");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("fabrix: Not found: Plugin 'ghost' is not installed.", result.Error.Trim());
    }

    [Fact]
    public async Task Rollback_Version_SendsIdVersionReasonAndPrintsWhatIsPinned()
    {
        var result = await Cli().RunAsync("plugins", "rollback", "user-management", "1.0.0", "--reason", "regression");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<RollbackPluginRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal(("user-management", "1.0.0", "regression"), (request.Id, request.Version, request.Reason));
        Assert.Contains("user-management: rolled back to 1.0.0; must register again (regression).", result.Output, StringComparison.Ordinal);
        Assert.Contains("Pinned version 1.0.0 (digest 0123456789ab), status installed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_UnknownVersion_ExitsOneNamingInstalledVersions()
    {
        var result = await Cli().RunAsync("plugins", "rollback", "user-management", "0.9.0");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("fabrix: Not found: Version '0.9.0' of 'user-management' is not installed; installed versions: 1.1.0, 1.0.0.", result.Error.Trim());
    }

    [Fact]
    public async Task Rollback_MissingVersionArgument_IsUsageErrorWithoutCall()
    {
        var result = await Cli().RunAsync("plugins", "rollback", "user-management");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task Upgrade_DiffNeedsApprovalWithoutApprove_PrintsDiffExitsOneAndDoesNotUpgrade()
    {
        _registry.Admin.DiffNeedsApproval = true;
        var file = _directory.Write("v110.json", Manifests.UserManagement.Replace("\"1.0.0\"", "\"1.1.0\"", StringComparison.Ordinal));

        var result = await Cli().RunAsync("plugins", "upgrade", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Permission diff for user-management 1.0.0 → 1.1.0:", result.Output, StringComparison.Ordinal);
        Assert.Contains("  + domain api.example.com", result.Output, StringComparison.Ordinal);
        Assert.Contains("  - endpoint user_info /api/users/{id}", result.Output, StringComparison.Ordinal);
        Assert.Contains("Needs approval: yes", result.Output, StringComparison.Ordinal);
        Assert.Contains($"fabrix plugins upgrade {file} --approve", result.Error, StringComparison.Ordinal);
        var preview = Assert.IsType<UpgradePluginRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.False(preview.ApprovePermissions);
    }

    [Fact]
    public async Task Upgrade_DiffNeedsApprovalWithApprove_UpgradesWithApprovalAndPrintsWhatIsPinned()
    {
        _registry.Admin.DiffNeedsApproval = true;
        var text = Manifests.UserManagement.Replace("\"1.0.0\"", "\"1.1.0\"", StringComparison.Ordinal);
        var file = _directory.Write("v110.json", text);

        var result = await Cli().RunAsync("plugins", "upgrade", file, "--approve", "--reason", "new partner API");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, _registry.Admin.Requests.Count);
        var upgrade = Assert.IsType<UpgradePluginRequest>(_registry.Admin.Requests[1]);
        Assert.Equal((text, true, "new partner API"), (upgrade.ManifestJson, upgrade.ApprovePermissions, upgrade.Reason));
        Assert.Contains("+ domain api.example.com", result.Output, StringComparison.Ordinal);
        Assert.Contains("user-management: upgraded to 1.1.0; must register again.", result.Output, StringComparison.Ordinal);
        Assert.Contains("it becomes active again when it registers", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrade_NoApprovalNeeded_UpgradesWithoutApprove()
    {
        var file = _directory.Write("v110.json", Manifests.UserManagement.Replace("\"1.0.0\"", "\"1.1.0\"", StringComparison.Ordinal));

        var result = await Cli().RunAsync("plugins", "upgrade", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("~ resources.memory_limit 256 → 512", result.Output, StringComparison.Ordinal);
        Assert.Contains("Needs approval: no.", result.Output, StringComparison.Ordinal);
        Assert.IsType<UpgradePluginRequest>(_registry.Admin.Requests[1]);
    }

    [Fact]
    public async Task Upgrade_InvalidManifest_RefusedLocallyWithoutCall()
    {
        var file = _directory.Write("bad.json", Manifests.Invalid);

        var result = await Cli().RunAsync("plugins", "upgrade", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("  $.version: ", result.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task Disable_WithoutCascade_ExitsOneNamingActiveDependents()
    {
        var result = await Cli().RunAsync("plugins", "disable", "user-management");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("active plugins depend on it: billing", result.Error, StringComparison.Ordinal);
        Assert.False(Assert.IsType<PluginTransitionRequest>(Assert.Single(_registry.Admin.Requests)).Cascade);
    }

    [Fact]
    public async Task Disable_WithCascade_SendsCascadeAndNamesDependents()
    {
        var result = await Cli().RunAsync("plugins", "disable", "user-management", "--cascade");

        Assert.Equal(0, result.ExitCode);
        Assert.True(Assert.IsType<PluginTransitionRequest>(Assert.Single(_registry.Admin.Requests)).Cascade);
        Assert.Contains("user-management is now disabled.", result.Output, StringComparison.Ordinal);
        Assert.Contains("Dependents: billing", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enable_CascadeOption_IsAUsageError()
    {
        var result = await Cli().RunAsync("plugins", "enable", "user-management", "--cascade");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(_registry.Admin.Requests);
    }

    private CliRun Cli() => new CliRun(_directory.Path) { OpenChannel = _registry.OpenChannel }
        .With("FABRIX_REGISTRY", VersionsRegistry.Address.ToString())
        .With(DevelopmentAdminToken.KeyFileEnvironmentVariable, _keyFile);
}
