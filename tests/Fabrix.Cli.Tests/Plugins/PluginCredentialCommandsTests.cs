using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Cli.Tests.Plugins;

/// <summary>Issue 7: the registration credential is shown once at install and rotation; rotate and revoke from the CLI.</summary>
public sealed class PluginCredentialCommandsTests : IAsyncLifetime
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
    public async Task Install_ValidManifest_PrintsTheCredentialOnceWithAShownOnceLine()
    {
        var file = _directory.Write("manifest.json", Manifests.UserManagement);

        var result = await Cli().RunAsync("plugins", "install", file);

        Assert.Equal(0, result.ExitCode);
        var secret = RecordingRegistryAdmin.Credential("1111222233334444").Secret;
        Assert.Contains("shown once", result.Output, StringComparison.Ordinal);
        Assert.Contains($"  {secret}{Environment.NewLine}", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, Occurrences(result.Output, secret));
        Assert.Contains("Fabrix:Plugin:RegistrationCredential", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_Json_CarriesTheCredentialMarkedShownOnce()
    {
        var file = _directory.Write("manifest.json", Manifests.UserManagement);

        var result = await Cli().RunAsync("plugins", "install", file, "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var credential = json.RootElement.GetProperty("registration_credential");
        Assert.Equal(RecordingRegistryAdmin.Credential("1111222233334444").Secret, credential.GetProperty("secret").GetString());
        Assert.Equal("1111222233334444", credential.GetProperty("credential_id").GetString());
        Assert.True(credential.GetProperty("shown_once").GetBoolean());
        Assert.Equal("user-management", json.RootElement.GetProperty("plugin_id").GetString());
        Assert.Equal("$.traits[2]", json.RootElement.GetProperty("warnings")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task CredentialRotate_SendsIdAndReason_PrintsTheNewCredentialOnce()
    {
        var result = await Cli().RunAsync("plugins", "credential", "rotate", "user-management", "--reason", "leaked in a log");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<RegistrationCredentialRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal(("user-management", "leaked in a log"), (request.Id, request.Reason));
        Assert.StartsWith("Bearer ", Assert.Single(_registry.Admin.Authorizations), StringComparison.Ordinal);
        Assert.Contains("shown once", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, Occurrences(result.Output, RecordingRegistryAdmin.Credential("5555666677778888").Secret));
    }

    [Fact]
    public async Task CredentialRotate_Json_IsOneObjectWithTheSecret()
    {
        var result = await Cli().RunAsync("plugins", "credential", "rotate", "user-management", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal("user-management", json.RootElement.GetProperty("plugin_id").GetString());
        Assert.Equal(RecordingRegistryAdmin.Credential("5555666677778888").Secret,
            json.RootElement.GetProperty("registration_credential").GetProperty("secret").GetString());
    }

    [Fact]
    public async Task CredentialRevoke_SendsIdAndReason_SaysHowToIssueANewOne()
    {
        var result = await Cli().RunAsync("plugins", "credential", "revoke", "user-management", "--reason", "decommissioned host");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<RegistrationCredentialRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal(("user-management", "decommissioned host"), (request.Id, request.Reason));
        Assert.Contains("Revoked registration credential 1111222233334444 of user-management", result.Output, StringComparison.Ordinal);
        Assert.Contains("fabrix plugins credential rotate user-management", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(RecordingRegistryAdmin.SecretTail, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredentialRevoke_Refused_ExitsOneWithTheRegistrysReason()
    {
        var result = await Cli().RunAsync("plugins", "credential", "revoke", RecordingRegistryAdmin.RefusedId);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has no registration credential to revoke", result.Error, StringComparison.Ordinal);
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private CliRun Cli() => new CliRun(_directory.Path) { OpenChannel = _registry.OpenChannel }
        .With("FABRIX_REGISTRY", RecordingRegistry.Address.ToString())
        .With(DevelopmentAdminToken.KeyFileEnvironmentVariable, _keyFile);
}
