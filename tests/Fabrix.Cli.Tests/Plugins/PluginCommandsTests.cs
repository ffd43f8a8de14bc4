using System.Net;
using System.Net.Sockets;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Fabrix.Cli.Tests.Plugins;

public sealed class PluginCommandsTests : IAsyncLifetime
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
    public async Task List_WithDevKey_SendsAdminTokenSignedWithTheKey()
    {
        var result = await Cli().With("USER", "alice").RunAsync("plugins", "list");

        Assert.Equal(0, result.ExitCode);
        var token = Bearer(Assert.Single(_registry.Admin.Authorizations.Distinct()));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token, DevelopmentAdminToken.ValidationParameters(DevelopmentAdminToken.LoadKey(_keyFile)));
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("alice", validation.ClaimsIdentity.Name);
        Assert.Equal([AdminRoles.Admin], validation.ClaimsIdentity.FindAll(DevelopmentAdminToken.RolesClaim).Select(c => c.Value));
    }

    [Fact]
    public async Task List_RepeatedRoleAndUser_TokenCarriesThem()
    {
        await Cli().RunAsync("plugins", "list", "--user", "bob", "--role", "audit_viewer", "--role", "plugin_manager");

        var token = new JsonWebToken(Bearer(Assert.Single(_registry.Admin.Authorizations.Distinct())));
        Assert.Equal("bob", token.Subject);
        Assert.Equal(["audit_viewer", "plugin_manager"], token.Claims.Where(c => c.Type == DevelopmentAdminToken.RolesClaim).Select(c => c.Value));
    }

    [Fact]
    public async Task List_Plugins_RendersTableSortedById()
    {
        var result = await Cli().RunAsync("plugins", "list", "--status", "active", "--search", "user");

        Assert.Equal(0, result.ExitCode);
        var requests = _registry.Admin.Requests.Cast<ListPluginsRequest>().ToList();
        Assert.All(requests, r => Assert.Equal((PluginStatus.Active, "user"), (r.Status, r.Search)));
        Assert.Contains("STATUS", result.Output, StringComparison.Ordinal);
        Assert.True(
            result.Output.IndexOf("billing", StringComparison.Ordinal) < result.Output.IndexOf("user-management", StringComparison.Ordinal),
            result.Output);
        Assert.Contains("active", result.Output, StringComparison.Ordinal);
        Assert.Contains("handles_pii", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_TwoPages_FollowsTheTokenAndShowsEveryPlugin()
    {
        var result = await Cli().RunAsync("plugins", "list");

        Assert.Equal(0, result.ExitCode);
        var requests = _registry.Admin.Requests.Cast<ListPluginsRequest>().ToList();
        Assert.Equal([string.Empty, RecordingRegistryAdmin.SecondPageToken], requests.Select(r => r.PageToken));
        Assert.All(requests, r => Assert.Equal(200, r.PageSize));
        Assert.Contains("user-management", result.Output, StringComparison.Ordinal);
        Assert.Contains("billing", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_UnknownStatus_UsageErrorExitsTwo()
    {
        var result = await Cli().RunAsync("plugins", "list", "--status", "sleeping");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task Show_Plugin_PrintsFactsHistoryTokenAndManifest()
    {
        var result = await Cli().RunAsync("plugins", "show", "user-management");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("key-2025-01", result.Output, StringComparison.Ordinal);
        Assert.Contains("2025-01-02 03:19:05Z", result.Output, StringComparison.Ordinal);
        Assert.Contains("user:alice", result.Output, StringComparison.Ordinal);
        Assert.Contains("  \"id\": \"user-management\"", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_UnknownPlugin_ExitsOneWithServerReason()
    {
        var result = await Cli().RunAsync("plugins", "show", "ghost");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("fabrix: Not found: No plugin 'ghost' is installed.", result.Error.Trim());
    }

    [Fact]
    public async Task Install_ValidManifest_SendsFileTextAndPrintsWarnings()
    {
        var file = _directory.Write("manifest.json", Manifests.UserManagement);

        var result = await Cli().RunAsync("plugins", "install", file, "--enable-on-register");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<InstallPluginRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal(Manifests.UserManagement, request.ManifestJson);
        Assert.True(request.EnableOnRegister);
        Assert.Contains("Installed user-management 1.0.0 (status installed, enabled on register).", result.Output, StringComparison.Ordinal);
        Assert.Contains("$.traits[2]", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_InvalidManifest_RefusedLocallyWithPathsAndNoCall()
    {
        var file = _directory.Write("bad.json", Manifests.Invalid);

        var result = await Cli().RunAsync("plugins", "install", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("  $.security.data_classification[1]: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("  $.version: ", result.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task Install_MissingFile_ExitsTwoWithoutCall()
    {
        var result = await Cli().RunAsync("plugins", "install", "nowhere.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nowhere.json", result.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task Install_ServerRefusesWithFieldViolations_ListsPathsAndExitsOne()
    {
        var file = _directory.Write("refused.json", Manifests.Echo.Replace("\"echo\"", $"\"{RecordingRegistryAdmin.RefusedId}\"", StringComparison.Ordinal));

        var result = await Cli().RunAsync("plugins", "install", file);

        Assert.Equal(1, result.ExitCode);
        var lines = result.Error.Trim().Split('\n');
        Assert.Equal("fabrix: Invalid request: The manifest is invalid.", lines[0].TrimEnd());
        Assert.Equal("  $.allowed_domains[0]: The allowed domain is blocked.", lines[1].TrimEnd());
    }

    [Fact]
    public async Task Enable_IllegalTransition_OneLineNamingAllowedTransitions()
    {
        var result = await Cli().RunAsync("plugins", "enable", RecordingRegistryAdmin.StuckId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "fabrix: Not allowed now: Cannot enable a plugin that is installed; allowed: registered -> active, disabled -> active.",
            result.Error.Trim());
    }

    [Fact]
    public async Task Enable_Plugin_PrintsNewStatusAndSendsReason()
    {
        var result = await Cli().RunAsync("plugins", "enable", "billing", "--reason", "ready");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("billing is now active.", result.Output.Trim());
        var request = Assert.IsType<PluginTransitionRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal("ready", request.Reason);
    }

    [Fact]
    public async Task Disable_PermissionDenied_ExitsOne()
    {
        var result = await Cli().RunAsync("plugins", "disable", "user-management", "--role", "audit_viewer");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("fabrix: Permission denied: The role audit_viewer may not disable plugins.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unregister_Plugin_PrintsNewStatus()
    {
        var result = await Cli().RunAsync("plugins", "unregister", "user-management");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("user-management is now unregistered.", result.Output.Trim());
    }

    [Fact]
    public async Task Uninstall_Plugin_SendsReason()
    {
        var result = await Cli().RunAsync("plugins", "uninstall", "billing", "--reason", "retired");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<UninstallPluginRequest>(Assert.Single(_registry.Admin.Requests));
        Assert.Equal(("billing", "retired"), (request.Id, request.Reason));
        Assert.Equal("Uninstalled billing.", result.Output.Trim());
    }

    [Fact]
    public async Task List_ExplicitToken_SentVerbatim()
    {
        await Cli().With("FABRIX_TOKEN", "entra-access-token").RunAsync("plugins", "list");

        Assert.Equal("Bearer entra-access-token", Assert.Single(_registry.Admin.Authorizations.Distinct()));
    }

    [Fact]
    public async Task List_DefaultKeyFileUnderCurrentDirectory_Used()
    {
        DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_directory.Path, ".fabrix", "keys", "dev-admin.pem"));
        var cli = new CliRun(_directory.Path) { OpenChannel = _registry.OpenChannel }.With("FABRIX_REGISTRY", RecordingRegistry.Address.ToString());

        var result = await cli.RunAsync("plugins", "list");

        Assert.Equal(0, result.ExitCode);
        var token = Bearer(Assert.Single(_registry.Admin.Authorizations.Distinct()));
        var key = DevelopmentAdminToken.LoadKey(Path.Combine(_directory.Path, ".fabrix", "keys", "dev-admin.pem"));
        Assert.True((await new JsonWebTokenHandler().ValidateTokenAsync(token, DevelopmentAdminToken.ValidationParameters(key))).IsValid);
    }

    [Fact]
    public async Task List_NoIdentity_ExitsTwoSayingHowToGetOne()
    {
        var cli = new CliRun(_directory.Path) { OpenChannel = _registry.OpenChannel }.With("FABRIX_REGISTRY", RecordingRegistry.Address.ToString());

        var result = await cli.RunAsync("plugins", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("dotnet run --project AppHost", result.Error, StringComparison.Ordinal);
        Assert.Contains("--dev-key", result.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task List_EntraConfiguredWithoutToken_ExitsTwoAskingForToken()
    {
        var result = await Cli().With("AzureAd__ClientId", "11111111-2222-3333-4444-555555555555").RunAsync("plugins", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--token", result.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Admin.Requests);
    }

    [Fact]
    public async Task List_NoRegistryAddress_ExitsTwoNamingTheVariable()
    {
        var cli = new CliRun(_directory.Path).With(DevelopmentAdminToken.KeyFileEnvironmentVariable, _keyFile);

        var result = await cli.RunAsync("plugins", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("FABRIX_REGISTRY", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_RegistryAddressNotHttp_ExitsTwo()
    {
        var result = await Cli().RunAsync("plugins", "list", "--registry", "registry:5000");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not an http:// or https:// URL", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_BadKeyFile_ExitsTwo()
    {
        var notAKey = Path.Combine(_directory.Path, _directory.Write("not-a-key.pem", "hello"));

        var result = await Cli().RunAsync("plugins", "list", "--dev-key", notAKey);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Cannot load the development admin key", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_NothingListening_ExitsTwoCannotReach()
    {
        var port = ClosedPort();
        var cli = new CliRun(_directory.Path) { OpenChannel = address => Grpc.Net.Client.GrpcChannel.ForAddress(address) }
            .With(DevelopmentAdminToken.KeyFileEnvironmentVariable, _keyFile);

        var result = await cli.RunAsync("plugins", "list", "--registry", $"http://127.0.0.1:{port}");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"fabrix: Cannot reach the registry at http://127.0.0.1:{port}/", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    private CliRun Cli() => new CliRun(_directory.Path) { OpenChannel = _registry.OpenChannel }
        .With("FABRIX_REGISTRY", RecordingRegistry.Address.ToString())
        .With(DevelopmentAdminToken.KeyFileEnvironmentVariable, _keyFile);

    private static string Bearer(string authorization)
    {
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        return authorization["Bearer ".Length..];
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
