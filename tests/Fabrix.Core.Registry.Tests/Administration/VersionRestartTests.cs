using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Dependencies;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;

namespace Fabrix.Core.Registry.Tests.Administration;

/// <summary>Issue 3 section 6: "upgrade + rollback survive a registry restart" (a new instance on the same database).</summary>
public sealed class VersionRestartTests(PostgresServer postgres, NatsServer nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UpgradeAndRollback_RegistryRestartsAfterEach_PinnedVersionVersionsAndHistorySurvive()
    {
        await using var host = new RegistryHost(postgres, nats);
        await host.InitializeAsync();
        var id = TestManifests.NewId("durable");
        await host.ActivateAsync(PluginSetup.Manifest(id));
        await host.Admin.UpgradePluginAsync(new UpgradePluginRequest { ManifestJson = TestManifests.Json(id, "1.1.0") }, host.Manager, cancellationToken: Ct);
        await host.Factory.DisposeAsync();

        var (afterUpgrade, upgradeChannel) = host.Start();
        var upgraded = await new RegistryAdmin.RegistryAdminClient(upgradeChannel).GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        using var oldRefused = await host.RegisterRestAsync(TestManifests.Manifest(id, "1.0.0"), factory: afterUpgrade);
        await host.RegisterOkAsync(TestManifests.Manifest(id, "1.1.0"), afterUpgrade);
        await new RegistryAdmin.RegistryAdminClient(upgradeChannel).RollbackPluginAsync(
            new RollbackPluginRequest { Id = id, Version = "1.0.0", Reason = "regression" }, host.Manager, cancellationToken: Ct);
        await afterUpgrade.DisposeAsync();

        var (afterRollback, rollbackChannel) = host.Start();
        var admin = new RegistryAdmin.RegistryAdminClient(rollbackChannel);
        var rolledBack = await admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        var versions = await admin.ListPluginVersionsAsync(new ListPluginVersionsRequest { Id = id }, host.Manager, cancellationToken: Ct);
        using var newerRefused = await host.RegisterRestAsync(TestManifests.Manifest(id, "1.1.0"), factory: afterRollback);
        await host.RegisterOkAsync(TestManifests.Manifest(id, "1.0.0"), afterRollback);
        var final = await admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);

        Assert.Equal(("1.1.0", PluginStatus.Installed), (upgraded.PinnedVersion, upgraded.Summary.Status));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, oldRefused.StatusCode);
        Assert.Equal(("1.0.0", PluginStatus.Installed), (rolledBack.PinnedVersion, rolledBack.Summary.Status));
        Assert.Equal([("1.1.0", false), ("1.0.0", true)], versions.Versions.Select(v => (v.Version, v.Pinned)));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, newerRefused.StatusCode);
        Assert.Equal(PluginStatus.Active, final.Summary.Status);
        Assert.Contains(final.History, h => h.Reason == "upgraded to 1.1.0; must register again");
        Assert.Contains(final.History, h => h.Reason == "rolled back to 1.0.0; must register again (regression)");
        var actions = (await host.AuditRowsAsync(id)).Where(r => r.Outcome == "succeeded").Select(r => r.Action).ToList();
        Assert.True(actions.IndexOf("plugin.upgrade") < actions.IndexOf("plugin.rollback"), string.Join(", ", actions));
    }
}
