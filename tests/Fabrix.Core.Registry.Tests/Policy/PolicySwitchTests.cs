using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Policy;

/// <summary>The global switches: set by an administrator (role admin), audited, and pushed as a delta with who set them.</summary>
public sealed class PolicySwitchTests(PolicyReplicas replicas) : IClassFixture<PolicyReplicas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SetPolicySwitch_AsAdmin_DeltaCarriesTheSwitchAndWhoSetIt()
    {
        using var call = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        var snapshot = (await PolicyReplicas.NextAsync(call, Ct)).Snapshot;
        var egress = snapshot.Switches.Single(s => s.Name == PolicySwitchName.EgressKill);
        var admin = new PolicyAdmin.PolicyAdminClient(replicas.A);

        var stored = await admin.SetPolicySwitchAsync(new SetPolicySwitchRequest { Name = PolicySwitchName.EgressKill, On = !egress.On, Reason = "incident 42" },
            replicas.Host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal(!egress.On, stored.On);
        Assert.Equal("user:ada", stored.SetBy);
        var pushed = Assert.Single(delta.Switches);
        Assert.Equal((PolicySwitchName.EgressKill, !egress.On, "user:ada", "incident 42"), (pushed.Name, pushed.On, pushed.SetBy, pushed.Reason));
        Assert.Empty(delta.Upserted);
        var audit = Assert.Single(await replicas.Host.AuditRowsAsync("switch:egress_kill"));
        Assert.Equal(("user:ada", "policy.switch.set", "succeeded", "incident 42"), (audit.Actor, audit.Action, audit.Outcome, audit.Reason));
    }

    [Fact]
    public async Task SetPolicySwitch_AsPluginManager_PermissionDeniedAndAudited()
    {
        var admin = new PolicyAdmin.PolicyAdminClient(replicas.A);

        var refused = await Assert.ThrowsAsync<RpcException>(() => admin.SetPolicySwitchAsync(
            new SetPolicySwitchRequest { Name = PolicySwitchName.LaneProxy, On = false, Reason = "try" }, replicas.Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal(1L, await replicas.Host.AuditedRefusalsAsync("action = 'policy.switch.set' and target = 'switch:lane_proxy' and actor = 'user:morgan'"));
        var switches = await admin.ListPolicySwitchesAsync(new ListPolicySwitchesRequest(), replicas.Host.Manager, cancellationToken: Ct);
        Assert.True(switches.Switches.Single(s => s.Name == PolicySwitchName.LaneProxy).On);
    }
}
