using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Platform;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Dependencies;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Administration;

/// <summary>Issue 3 section 3 against the real registry and PostgreSQL: upgrade, permission diff, rollback, platform range.</summary>
public sealed class VersionTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upgrade_ActivePlugin_PinsNewVersionAndSendsItBackToInstalled()
    {
        var id = TestManifests.NewId("up");
        await host.ActivateAsync(PluginSetup.Manifest(id));
        var json = TestManifests.Json(id, "1.1.0");

        var detail = await UpgradeAsync(json, reason: "bug fix");

        Assert.Equal((PluginStatus.Installed, "1.1.0", "1.1.0"), (detail.Summary.Status, detail.Summary.Version, detail.PinnedVersion));
        Assert.Equal(ManifestDigest.Compute(json), detail.ManifestDigest);
        Assert.Equal(json, detail.ManifestJson);
        Assert.True(detail.EnableOnRegister);
        var last = detail.History[^1];
        Assert.Equal((PluginStatus.Active, PluginStatus.Installed, "user:morgan", "upgraded to 1.1.0; must register again (bug fix)"),
            (last.FromStatus, last.ToStatus, last.Actor, last.Reason));
        Assert.Equal([("1.1.0", true), ("1.0.0", false)], detail.Versions.Select(v => (v.Version, v.Pinned)));
        var row = Assert.Single(await host.AuditRowsAsync(id), r => r.Action == "plugin.upgrade");
        Assert.Equal(("succeeded", "user:morgan"), (row.Outcome, row.Actor));
        Assert.Contains("\"to_version\": \"1.1.0\"", row.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrade_Then_OldManifestIsRefusedAndNewOneRegistersBackToActive()
    {
        var id = TestManifests.NewId("rereg");
        await host.ActivateAsync(PluginSetup.Manifest(id));
        await UpgradeAsync(TestManifests.Json(id, "1.1.0"));

        using var old = await host.RegisterRestAsync(TestManifests.Manifest(id, "1.0.0"));
        var oldGrpc = await Assert.ThrowsAsync<RpcException>(() => host.Plugins.RegisterAsync(
            new RegisterRequest { ManifestJson = TestManifests.Json(id, "1.0.0"), Address = "http://127.0.0.1:5300", RegistrationCredential = host.CredentialOf(id) }, cancellationToken: Ct).ResponseAsync);
        await host.RegisterOkAsync(TestManifests.Manifest(id, "1.1.0"));

        Assert.Equal(HttpStatusCode.Forbidden, old.StatusCode);
        var problem = await old.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("MANIFEST_MISMATCH", problem.GetProperty("code").GetString());
        Assert.Contains("is installed version 1.0.0, but the pinned version is 1.1.0", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, oldGrpc.StatusCode);
        var detail = await host.GetAsync(id);
        Assert.Equal(PluginStatus.Active, detail.Summary.Status);
        Assert.Equal(
            [(PluginStatus.Active, PluginStatus.Installed), (PluginStatus.Installed, PluginStatus.Registered), (PluginStatus.Registered, PluginStatus.Active)],
            detail.History.TakeLast(3).Select(h => (h.FromStatus, h.ToStatus)));
    }

    [Fact]
    public async Task Upgrade_Then_RenewalWithTheOldTokenIsPermissionDenied()
    {
        var id = TestManifests.NewId("renew");
        var token = await host.ActivateAsync(PluginSetup.Manifest(id));
        await UpgradeAsync(TestManifests.Json(id, "1.1.0"));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Plugins.RenewTokenAsync(new RenewTokenRequest(), RegistryHost.PluginHeaders(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("MANIFEST_MISMATCH", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains("version 1.1.0", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrade_DisabledPlugin_ComesBackRegisteredNotActive()
    {
        var id = TestManifests.NewId("quarantine");
        await host.ActivateAsync(PluginSetup.Manifest(id));
        await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        var upgraded = await UpgradeAsync(TestManifests.Json(id, "1.0.1"));
        await host.RegisterOkAsync(TestManifests.Manifest(id, "1.0.1"));

        Assert.False(upgraded.EnableOnRegister);
        Assert.Equal(PluginStatus.Registered, (await host.GetAsync(id)).Summary.Status);
    }

    [Fact]
    public async Task Upgrade_OlderVersion_IsRefusedNamingBothVersions()
    {
        var id = TestManifests.NewId("down");
        await host.InstallAsync(id, manifestJson: TestManifests.Json(id, "1.1.0"));

        var error = await Assert.ThrowsAsync<RpcException>(() => UpgradeAsync(TestManifests.Json(id, "1.0.0")));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("Cannot upgrade", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("1.0.0", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("latest installed version 1.1.0", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("NOT_AN_UPGRADE", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.upgrade", Outcome: "refused" });
    }

    [Fact]
    public async Task Upgrade_SameVersionDifferentContent_IsAlreadyExistsNamingBothDigests()
    {
        var id = TestManifests.NewId("immutable");
        var installed = TestManifests.Json(id, "1.0.0");
        var changed = TestManifests.Json(id, "1.0.0", description: "changed after approval");
        await host.InstallAsync(id, manifestJson: installed);

        var error = await Assert.ThrowsAsync<RpcException>(() => UpgradeAsync(changed));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains(ManifestDigest.Compute(installed), error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(ManifestDigest.Compute(changed), error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from plugin_manifests where plugin_id = @id", ("id", id)));
    }

    [Fact]
    public async Task Install_ReinstallSameVersionDifferentContent_IsAlreadyExists()
    {
        var id = TestManifests.NewId("reinst");
        await host.InstallAsync(id);
        await host.RegisterOkAsync(TestManifests.Manifest(id));
        await host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.InstallAsync(id, manifestJson: TestManifests.Json(id, description: "other")));
        var same = await host.InstallAsync(id);

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("already installed with different content", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(PluginStatus.Installed, same.Summary.Status);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from plugin_manifests where plugin_id = @id", ("id", id)));
    }

    [Fact]
    public async Task Upgrade_AddsPermissionsWithoutApproval_IsRefusedListingTheDiffAndChangesNothing()
    {
        var id = TestManifests.NewId("perm");
        await host.InstallAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() => UpgradeAsync(WithMorePermissions(id, "1.1.0").ToJsonString()));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("PERMISSION_APPROVAL_REQUIRED", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains("+ data_classification confidential", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("+ domain api.example.com", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("- endpoint user_info /api/users/{id}", error.Status.Detail, StringComparison.Ordinal);
        var detail = await host.GetAsync(id);
        Assert.Equal(("1.0.0", 1), (detail.PinnedVersion, detail.Versions.Count));
    }

    [Fact]
    public async Task Upgrade_AddsPermissionsWithApproval_IsPinnedAndTheApprovalAudited()
    {
        var id = TestManifests.NewId("approved");
        await host.InstallAsync(id);

        var detail = await UpgradeAsync(WithMorePermissions(id, "1.1.0").ToJsonString(), approve: true);

        Assert.Equal("1.1.0", detail.PinnedVersion);
        Assert.Contains("api.example.com", detail.ManifestJson, StringComparison.Ordinal);
        var row = Assert.Single(await host.AuditRowsAsync(id), r => r.Action == "plugin.upgrade");
        Assert.Contains("\"permissions_approved\": true", row.Details, StringComparison.Ordinal);
        Assert.Contains("+ domain api.example.com", row.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrade_NoNewPermissions_NeedsNoApproval()
    {
        var id = TestManifests.NewId("noperm");
        await host.InstallAsync(id);

        var detail = await UpgradeAsync(TestManifests.Json(id, "1.0.1", description: "typo fixed"));

        Assert.Equal("1.0.1", detail.PinnedVersion);
    }

    [Fact]
    public async Task PreviewUpgrade_MorePermissions_ReturnsTheDiffAndChangesNothing()
    {
        var id = TestManifests.NewId("preview");
        var missing = TestManifests.NewId("later");
        await host.InstallAsync(id);
        var candidate = WithMorePermissions(id, "2.0.0");
        candidate["dependencies"] = new JsonArray(missing);
        var before = await host.ScalarAsync<long>("select count(*) from audit_log where target = @id", ("id", id));

        var preview = await host.Admin.PreviewUpgradeAsync(new UpgradePluginRequest { ManifestJson = candidate.ToJsonString() }, host.Manager, cancellationToken: Ct);

        Assert.Equal(("1.0.0", "2.0.0", true), (preview.Diff.FromVersion, preview.Diff.ToVersion, preview.Diff.RequiresApproval));
        Assert.Equal(
            ["+ data_classification confidential", "+ domain api.example.com", $"+ dependency {missing}", "- endpoint user_info /api/users/{id}"],
            preview.Diff.Lines);
        Assert.True(preview.PlatformCompatible);
        Assert.Equal([missing], preview.MissingDependencies);
        var detail = await host.GetAsync(id);
        Assert.Equal(("1.0.0", 1, PluginStatus.Installed), (detail.PinnedVersion, detail.Versions.Count, detail.Summary.Status));
        Assert.Equal(before, await host.ScalarAsync<long>("select count(*) from audit_log where target = @id", ("id", id)));
    }

    [Fact]
    public async Task PreviewUpgrade_PlatformRangeExcludesFabrix_ReportsItWithBothVersions()
    {
        var id = TestManifests.NewId("pvplat");
        await host.InstallAsync(id);
        var candidate = TestManifests.Manifest(id, "1.1.0");
        candidate["platform"] = FutureRange;

        var preview = await host.Admin.PreviewUpgradeAsync(new UpgradePluginRequest { ManifestJson = candidate.ToJsonString() }, host.Manager, cancellationToken: Ct);

        Assert.False(preview.PlatformCompatible);
        Assert.Contains($"Fabrix {FutureRange}", preview.PlatformReason, StringComparison.Ordinal);
        Assert.Contains($"this is Fabrix {FabrixPlatform.Version}", preview.PlatformReason, StringComparison.Ordinal);
        Assert.Equal(["+ platform " + FutureRange], preview.Diff.Lines);
    }

    [Fact]
    public async Task Upgrade_PlatformRangeExcludesFabrix_IsRefusedNamingBothVersions()
    {
        var id = TestManifests.NewId("plat");
        await host.InstallAsync(id);
        var candidate = TestManifests.Manifest(id, "1.1.0");
        candidate["platform"] = FutureRange;

        var error = await Assert.ThrowsAsync<RpcException>(() => UpgradeAsync(candidate.ToJsonString()));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("PLATFORM_INCOMPATIBLE", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains($"Plugin '{id}' 1.1.0 requires Fabrix {FutureRange}; this is Fabrix {FabrixPlatform.Version}.", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("1.0.0", (await host.GetAsync(id)).PinnedVersion);
    }

    [Fact]
    public async Task Install_PlatformRangeExcludesFabrix_IsRefusedNamingBothVersions()
    {
        var id = TestManifests.NewId("instplat");
        var manifest = TestManifests.Manifest(id, "3.0.0");
        manifest["platform"] = FutureRange;

        var error = await Assert.ThrowsAsync<RpcException>(() => host.InstallAsync(id, manifestJson: manifest.ToJsonString()));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"Plugin '{id}' 3.0.0 requires Fabrix {FutureRange}; this is Fabrix {FabrixPlatform.Version}.", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("$.platform", Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task Install_PlatformRangeIncludesFabrix_IsInstalledAndShown()
    {
        var id = TestManifests.NewId("okplat");
        var manifest = TestManifests.Manifest(id);
        var range = $">={FabrixPlatform.Version.Major}.0.0 <{FabrixPlatform.Version.Major + 1}.0.0";
        manifest["platform"] = range;

        var detail = await host.InstallAsync(id, manifestJson: manifest.ToJsonString());

        Assert.Equal(range, detail.PlatformRange);
    }

    [Fact]
    public async Task Upgrade_ClosingADependencyCycle_IsRefusedWithTheCycleNamed()
    {
        var prefix = TestManifests.NewId("upcyc");
        var (a, b) = ($"{prefix}-a", $"{prefix}-b");
        await host.InstallAsync(a);
        await host.InstallAsync(b, manifestJson: PluginSetup.Manifest(b, "1.0.0", a).ToJsonString());

        var error = await Assert.ThrowsAsync<RpcException>(() => UpgradeAsync(PluginSetup.Manifest(a, "1.1.0", b).ToJsonString(), approve: true));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"{a} → {b} → {a}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("1.0.0", (await host.GetAsync(a)).PinnedVersion);
    }

    [Fact]
    public async Task Rollback_EarlierVersion_PinsItAndTheEarlierManifestRegistersAgain()
    {
        var id = TestManifests.NewId("back");
        await host.ActivateAsync(PluginSetup.Manifest(id));
        await UpgradeAsync(TestManifests.Json(id, "1.1.0"));
        await host.RegisterOkAsync(TestManifests.Manifest(id, "1.1.0"));

        var rolledBack = await host.Admin.RollbackPluginAsync(new RollbackPluginRequest { Id = id, Version = "1.0.0", Reason = "regression" }, host.Manager, cancellationToken: Ct);
        using var newer = await host.RegisterRestAsync(TestManifests.Manifest(id, "1.1.0"));
        await host.RegisterOkAsync(TestManifests.Manifest(id, "1.0.0"));

        Assert.Equal(("1.0.0", PluginStatus.Installed), (rolledBack.PinnedVersion, rolledBack.Summary.Status));
        Assert.Equal(ManifestDigest.Compute(TestManifests.Json(id, "1.0.0")), rolledBack.ManifestDigest);
        Assert.Equal((PluginStatus.Active, PluginStatus.Installed, "rolled back to 1.0.0; must register again (regression)"),
            (rolledBack.History[^1].FromStatus, rolledBack.History[^1].ToStatus, rolledBack.History[^1].Reason));
        Assert.Equal(HttpStatusCode.Forbidden, newer.StatusCode);
        Assert.Equal(PluginStatus.Active, (await host.GetAsync(id)).Summary.Status);
        var row = Assert.Single(await host.AuditRowsAsync(id), r => r.Action == "plugin.rollback");
        Assert.Equal(("succeeded", "rolled back to 1.0.0; must register again (regression)"), (row.Outcome, row.Reason));
        Assert.Equal("rollback", (await host.LifecycleRowsAsync(id)).Single(r => r.Reason.StartsWith("rolled back", StringComparison.Ordinal)).Trigger);
    }

    [Fact]
    public async Task Rollback_UnknownVersion_IsNotFoundNamingTheInstalledVersions()
    {
        var id = TestManifests.NewId("nover");
        await host.InstallAsync(id);
        await UpgradeAsync(TestManifests.Json(id, "1.1.0"));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.RollbackPluginAsync(new RollbackPluginRequest { Id = id, Version = "0.9.0" }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("installed versions: 1.1.0, 1.0.0", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.rollback", Outcome: "refused" });
    }

    [Fact]
    public async Task Rollback_PinnedVersion_IsFailedPrecondition()
    {
        var id = TestManifests.NewId("same");
        await host.InstallAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.RollbackPluginAsync(new RollbackPluginRequest { Id = id, Version = "1.0.0" }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("already pinned", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListPluginVersions_SeveralVersions_NewestFirstByPrecedenceWithInstallerAndPin()
    {
        var id = TestManifests.NewId("list");
        await host.InstallAsync(id);
        await UpgradeAsync(TestManifests.Json(id, "1.2.0"));
        await host.Admin.UpgradePluginAsync(new UpgradePluginRequest { ManifestJson = TestManifests.Json(id, "1.10.0") }, host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct);
        await host.Admin.RollbackPluginAsync(new RollbackPluginRequest { Id = id, Version = "1.2.0" }, host.Manager, cancellationToken: Ct);

        var response = await host.Admin.ListPluginVersionsAsync(new ListPluginVersionsRequest { Id = id }, host.AdminHeaders("vera", AdminRoles.AuditViewer), cancellationToken: Ct);

        Assert.Equal(
            [("1.10.0", "user:ada", false), ("1.2.0", "user:morgan", true), ("1.0.0", "user:morgan", false)],
            response.Versions.Select(v => (v.Version, v.InstalledBy, v.Pinned)));
        Assert.Equal(ManifestDigest.Compute(TestManifests.Json(id, "1.10.0")), response.Versions[0].ManifestDigest);
        Assert.True(response.Versions[0].InstalledAt.ToDateTimeOffset() >= response.Versions[1].InstalledAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task ListPluginVersions_UnknownPlugin_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.ListPluginVersionsAsync(new ListPluginVersionsRequest { Id = "no-such-plugin" }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Upgrade_AsAuditViewer_IsPermissionDenied()
    {
        var id = TestManifests.NewId("viewer");
        await host.InstallAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.UpgradePluginAsync(
            new UpgradePluginRequest { ManifestJson = TestManifests.Json(id, "1.1.0") }, host.AdminHeaders("vera", AdminRoles.AuditViewer), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("1.0.0", (await host.GetAsync(id)).PinnedVersion);
    }

    [Fact]
    public async Task Upgrade_NotInstalled_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => UpgradeAsync(TestManifests.Json(TestManifests.NewId("ghost"), "2.0.0")));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Upgrade_InvalidManifest_IsInvalidArgumentWithPaths()
    {
        var id = TestManifests.NewId("badup");
        await host.InstallAsync(id);
        var candidate = TestManifests.Manifest(id, "1.1.0");
        candidate["traits"] = new JsonArray("root");

        var error = await Assert.ThrowsAsync<RpcException>(() => UpgradeAsync(candidate.ToJsonString()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == "$.traits[0]");
    }

    /// <summary>A platform range no running Fabrix satisfies: the next major version and up.</summary>
    private static string FutureRange => $">={FabrixPlatform.Version.Major + 1}.0.0";

    /// <summary>Asks for more: a new data classification and an allowed domain (and drops an endpoint).</summary>
    private static JsonObject WithMorePermissions(string id, string version)
    {
        var manifest = TestManifests.Manifest(id, version);
        manifest["security"]!["data_classification"] = new JsonArray("pii", "internal", "confidential");
        manifest["allowed_domains"] = new JsonArray("api.example.com");
        manifest["endpoints"] = new JsonObject { ["health"] = "/health" };
        return manifest;
    }

    private Task<PluginDetail> UpgradeAsync(string manifestJson, bool approve = false, string reason = "") =>
        host.Admin.UpgradePluginAsync(new UpgradePluginRequest { ManifestJson = manifestJson, ApprovePermissions = approve, Reason = reason }, host.Manager, cancellationToken: Ct).ResponseAsync;
}
