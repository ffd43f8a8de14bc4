using System.Text.Json.Nodes;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Policy;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Policy;

/// <summary>Who may call a plugin and whom it may call (issue 10 section 6): dependencies, grants and the PHI trait rule.</summary>
public sealed class OperatorReachTests(PostgresServer postgres, NatsServer nats)
{
    private static readonly PolicyPlugin Records = Plugin("records", ["handles_phi"]);
    private static readonly PolicyPlugin Clinic = Plugin("clinic", ["handles_phi"], dependencies: ["records"]);
    private static readonly PolicyPlugin Billing = Plugin("billing", [], dependencies: ["records", "ledger"]);
    private static readonly PolicyPlugin Reports = Plugin("reports", []);

    [Fact]
    public void Of_PhiTarget_DependentAndGrantedCallersWithTraitRuleApplied()
    {
        var grant = new OperatorGrant { Caller = "reports", Target = "records", GrantedBy = "user:ada", Reason = "audit" };

        var reach = OperatorReach.Of("records", [Records, Clinic, Billing, Reports], [grant])!;

        Assert.True(reach.HandlesPhi);
        Assert.Equal(["billing dep=True grant=False phi=False allows=False", "clinic dep=True grant=False phi=True allows=True",
            "reports dep=False grant=True phi=False allows=False"], reach.Callers.Select(Text));
        Assert.Equal("user:ada", reach.Callers[2].Grant.GrantedBy);
        Assert.Empty(reach.Callees);
    }

    [Fact]
    public void Of_CallerWithoutPhi_CalleesFromDependenciesAndGrantsMissingOneNotInstalled()
    {
        var grant = new OperatorGrant { Caller = "billing", Target = "reports" };

        var reach = OperatorReach.Of("billing", [Records, Clinic, Billing, Reports], [grant])!;

        Assert.Equal(["ledger dep=True grant=False phi=False allows=True", "records dep=True grant=False phi=True allows=False",
            "reports dep=False grant=True phi=False allows=True"], reach.Callees.Select(Text));
        Assert.False(reach.Callees[0].Installed);
        Assert.Equal(PluginStatus.Active, reach.Callees[1].Status);
        Assert.Empty(reach.Callers);
    }

    [Fact]
    public void Of_UnknownPlugin_Null() => Assert.Null(OperatorReach.Of("nobody", [Records], []));

    [Fact]
    public async Task GetOperatorReach_InstalledPlugins_AnswersDependenciesAndGrantsForAnAuditViewer()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var target = TestManifests.NewId("target");
        var dependent = TestManifests.NewId("dependent");
        var granted = TestManifests.NewId("granted");
        await host.InstallAsync(target);
        var manifest = TestManifests.Manifest(dependent);
        manifest["dependencies"] = new JsonArray(target);
        await host.InstallAsync(dependent, manifestJson: manifest.ToJsonString());
        await host.InstallAsync(granted);
        await new PolicyAdmin.PolicyAdminClient(host.Channel).GrantOperatorAccessAsync(
            new GrantOperatorAccessRequest { Caller = granted, Target = target, Reason = "reports" }, host.Manager, cancellationToken: Ct);

        var reach = await new PolicyAdmin.PolicyAdminClient(host.Channel).GetOperatorReachAsync(
            new GetOperatorReachRequest { PluginId = target }, host.Viewer(), cancellationToken: Ct);

        Assert.Equal([$"{dependent} dep=True grant=False phi=False allows=True", $"{granted} dep=False grant=True phi=False allows=True"],
            reach.Callers.OrderBy(c => c.ByDependency ? 0 : 1).Select(Text));
        Assert.Equal("user:morgan", reach.Callers.Single(c => c.PluginId == granted).Grant.GrantedBy);
    }

    [Fact]
    public async Task GetOperatorReach_NotInstalled_NotFound()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);

        var refused = await Assert.ThrowsAsync<RpcException>(() => new PolicyAdmin.PolicyAdminClient(host.Channel).GetOperatorReachAsync(
            new GetOperatorReachRequest { PluginId = "missing-plugin" }, host.Viewer(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
    }

    private static string Text(OperatorReachEntry entry) =>
        $"{entry.PluginId} dep={entry.ByDependency} grant={entry.Grant is not null} phi={entry.HandlesPhi} allows={entry.TraitAllows}";

    private static PolicyPlugin Plugin(string id, string[] traits, string[]? dependencies = null)
    {
        var plugin = new PolicyPlugin { Id = id, Status = PluginStatus.Active };
        plugin.Traits.Add(traits);
        plugin.Dependencies.Add(dependencies ?? []);
        return plugin;
    }
}
