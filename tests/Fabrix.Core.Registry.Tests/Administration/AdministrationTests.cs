using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Administration;

public sealed class AdministrationTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PluginSummary_EachLifecycleStep_ListsTheActionsTheLifecycleAllowsFromThere()
    {
        var id = TestManifests.NewId("actions");

        var installed = await host.InstallAsync(id);
        await host.RegisterRestOkAsync(id);
        var registered = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        var enabled = await host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);
        var disabled = await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);
        var unregistered = await host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        Assert.Equal([PluginAction.Uninstall], installed.Summary.AllowedActions);
        Assert.Equal([PluginAction.Enable, PluginAction.Unregister], registered.Summary.AllowedActions);
        Assert.Equal([PluginAction.Disable, PluginAction.Unregister], enabled.Summary.AllowedActions);
        Assert.Equal([PluginAction.Enable, PluginAction.Unregister], disabled.Summary.AllowedActions);
        Assert.Equal([PluginAction.Uninstall], unregistered.Summary.AllowedActions);
    }

    [Fact]
    public async Task Lifecycle_InstallRegisterEnableDisableUnregister_EachStepPersistedAndAudited()
    {
        var id = TestManifests.NewId("full");

        var installed = await host.InstallAsync(id);
        await host.RegisterRestOkAsync(id);
        var enabled = await host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "go live" }, host.Manager, cancellationToken: Ct);
        var disabled = await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "incident 42" }, host.Manager, cancellationToken: Ct);
        var unregistered = await host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        Assert.Equal(PluginStatus.Installed, installed.Summary.Status);
        Assert.Equal(PluginStatus.Active, enabled.Summary.Status);
        Assert.Equal(PluginStatus.Disabled, disabled.Summary.Status);
        Assert.Equal(PluginStatus.Unregistered, unregistered.Summary.Status);
        Assert.Equal(
            [
                (PluginStatus.Unspecified, PluginStatus.Installed, "user:morgan", "installed"),
                (PluginStatus.Installed, PluginStatus.Registered, $"plugin:{id}", "registered"),
                (PluginStatus.Registered, PluginStatus.Active, "user:morgan", "go live"),
                (PluginStatus.Active, PluginStatus.Disabled, "user:morgan", "incident 42"),
                (PluginStatus.Disabled, PluginStatus.Unregistered, "user:morgan", "unregistered by an administrator"),
            ],
            unregistered.History.Select(h => (h.FromStatus, h.ToStatus, h.Actor, h.Reason)));
        var audit = await host.AuditRowsAsync(id);
        Assert.Equal(
            ["plugin.install", "plugin.register", "plugin.enable", "plugin.disable", "plugin.unregister"],
            audit.Select(r => r.Action));
        Assert.All(audit, r => Assert.Equal("succeeded", r.Outcome));
        Assert.All(audit, r => Assert.Matches("^[0-9a-f]{32}$", r.CorrelationId));
    }

    [Fact]
    public async Task Install_ValidManifest_StoresItExactlyAsApprovedWithDigest()
    {
        var id = TestManifests.NewId("store");
        var json = TestManifests.Json(id);

        var detail = await host.InstallAsync(id);

        Assert.Equal(json, detail.ManifestJson);
        Assert.Equal(Contracts.Manifests.ManifestDigest.Compute(json), detail.ManifestDigest);
        Assert.Equal(["IdentityPlugin"], detail.Summary.Contracts);
        Assert.Equal(HealthState.Unknown, detail.Summary.Health);
        Assert.Null(detail.Summary.RegisteredAt);
    }

    [Fact]
    public async Task Install_InvalidManifest_IsInvalidArgumentWithEveryPathAndAudited()
    {
        var manifest = TestManifests.Manifest(TestManifests.NewId("invalid"));
        manifest["traits"] = new System.Text.Json.Nodes.JsonArray("root");
        manifest["security"]!["data_classification"] = new System.Text.Json.Nodes.JsonArray("internal", "top-secret");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString() }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var fields = error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field).ToList();
        Assert.Contains("$.traits[0]", fields);
        Assert.Contains("$.security.data_classification[1]", fields);
        var row = Assert.Single(await host.AuditRowsAsync(manifest["id"]!.GetValue<string>()));
        Assert.Equal(("plugin.install", "refused"), (row.Action, row.Outcome));
        Assert.Contains("$.security.data_classification[1]", row.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_AlreadyInstalled_IsAlreadyExists()
    {
        var id = TestManifests.NewId("twice");
        await host.InstallAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.InstallAsync(id));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
    }

    [Fact]
    public async Task Install_UnregisteredPlugin_ReinstallsNewManifestRevision()
    {
        var id = TestManifests.NewId("reinstall");
        await host.InstallAsync(id);
        await host.RegisterRestOkAsync(id);
        await host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        var reinstalled = await host.InstallAsync(id, manifestJson: TestManifests.Json(id, version: "1.1.0"));
        var body = await host.RegisterRestAsync(TestManifests.Manifest(id, version: "1.1.0"));

        Assert.Equal(PluginStatus.Installed, reinstalled.Summary.Status);
        Assert.Equal("1.1.0", reinstalled.Summary.Version);
        Assert.Null(reinstalled.Summary.RegisteredAt);
        Assert.True(body.IsSuccessStatusCode);
        Assert.Equal(2L, await host.ScalarAsync<long>("select count(*) from plugin_manifests where plugin_id = @id", ("id", id)));
    }

    [Fact]
    public async Task Disable_InstalledPlugin_IsFailedPreconditionNamingAllowedTransitions()
    {
        var id = TestManifests.NewId("illegal");
        await host.InstallAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("Allowed from installed: register (-> registered), uninstall (-> not installed)", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.disable", Outcome: "refused" });
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.Equal(PluginStatus.Installed, detail.Summary.Status);
    }

    [Fact]
    public async Task RegisterRest_DisabledPlugin_Returns409NamingAllowedTransitions()
    {
        var id = TestManifests.NewId("noreg");
        await host.InstallAsync(id, enableOnRegister: true);
        await host.RegisterRestOkAsync(id);
        await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        using var response = await host.RegisterRestAsync(TestManifests.Manifest(id));

        Assert.Equal(System.Net.HttpStatusCode.Conflict, response.StatusCode);
        var detail = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Allowed from disabled: enable (-> active), unregister (-> unregistered)", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disable_AsAuditViewer_IsPermissionDeniedAndAudited()
    {
        var id = TestManifests.NewId("viewer");
        await host.InstallAsync(id, enableOnRegister: true);
        await host.RegisterRestOkAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id }, host.AdminHeaders("vera", AdminRoles.AuditViewer), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var row = Assert.Single(await host.AuditRowsAsync(id), r => r.Action == "plugin.disable");
        Assert.Equal(("refused", "user:vera"), (row.Outcome, row.Actor));
        Assert.Contains("audit_viewer", row.Reason, StringComparison.Ordinal);
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.AdminHeaders("vera", AdminRoles.AuditViewer), cancellationToken: Ct);
        Assert.Equal(PluginStatus.Active, detail.Summary.Status);
    }

    [Fact]
    public async Task Install_AsConfigManager_IsPermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.InstallPluginAsync(
            new InstallPluginRequest { ManifestJson = TestManifests.Json(TestManifests.NewId("cfg")) },
            host.AdminHeaders("casey", AdminRoles.ConfigManager), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Enable_AsAdmin_IsAllowed()
    {
        var id = TestManifests.NewId("admin");
        await host.InstallAsync(id);
        await host.RegisterRestOkAsync(id);

        var detail = await host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id }, host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct);

        Assert.Equal(PluginStatus.Active, detail.Summary.Status);
    }

    [Fact]
    public async Task ListPlugins_NoToken_IsUnauthenticatedAndAudited()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.ListPluginsAsync(new ListPluginsRequest(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains(await host.AuditRowsAsync("plugins"), r => r is { Action: "plugin.read", Outcome: "refused", Actor: "anonymous" });
    }

    [Fact]
    public async Task ListPlugins_TokenSignedByAnotherKey_IsUnauthenticated()
    {
        using var otherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var token = DevelopmentAdminToken.Mint(new Microsoft.IdentityModel.Tokens.ECDsaSecurityKey(otherKey), "mallory", [AdminRoles.Admin], TimeProvider.System);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.ListPluginsAsync(new ListPluginsRequest(), RegistryHost.PluginHeaders(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task ListPlugins_StatusAndSearchFilters_ReturnOnlyMatches()
    {
        var prefix = TestManifests.NewId("lst");
        await host.InstallAsync($"{prefix}-one");
        await host.InstallAsync($"{prefix}-two");
        await host.RegisterRestOkAsync($"{prefix}-two");

        var registered = await host.Admin.ListPluginsAsync(new ListPluginsRequest { Status = PluginStatus.Registered, Search = prefix.ToUpperInvariant() }, host.Manager, cancellationToken: Ct);
        var all = await host.Admin.ListPluginsAsync(new ListPluginsRequest { Search = prefix }, host.AdminHeaders("vera", AdminRoles.AuditViewer), cancellationToken: Ct);

        Assert.Equal([$"{prefix}-two"], registered.Plugins.Select(p => p.Id));
        Assert.Equal([$"{prefix}-one", $"{prefix}-two"], all.Plugins.Select(p => p.Id));
    }

    [Fact]
    public async Task GetPlugin_Unknown_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.GetPluginAsync(new GetPluginRequest { Id = "no-such-plugin" }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Uninstall_RegisteredPlugin_IsRefusedThenAllowedAfterUnregister()
    {
        var id = TestManifests.NewId("uninstall");
        await host.InstallAsync(id);
        await host.RegisterRestOkAsync(id);

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync);
        await host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);
        await host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = id, Reason = "retired" }, host.Manager, cancellationToken: Ct);
        var gone = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.uninstall", Outcome: "succeeded", Reason: "retired" });
    }

    [Fact]
    public async Task Enable_DependencyNotActive_IsFailedPreconditionNamingTheDependency()
    {
        var dependency = TestManifests.NewId("dep");
        var id = TestManifests.NewId("needs");
        var manifest = TestManifests.Manifest(id);
        manifest["dependencies"] = new System.Text.Json.Nodes.JsonArray(dependency);
        await host.InstallAsync(dependency);
        await host.InstallAsync(id, manifestJson: manifest.ToJsonString());
        using (var response = await host.RegisterRestAsync(manifest))
        {
            Assert.True(response.IsSuccessStatusCode);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"{dependency} (installed)", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditLog_UpdateOrDelete_IsRejectedByTheDatabase()
    {
        await host.InstallAsync(TestManifests.NewId("append"));

        var update = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => host.ScalarAsync<object>("update audit_log set reason = 'edited' returning id"));
        var delete = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => host.ScalarAsync<object>("delete from audit_log returning id"));

        Assert.Contains("append-only", update.MessageText, StringComparison.Ordinal);
        Assert.Contains("append-only", delete.MessageText, StringComparison.Ordinal);
    }
}
