using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Policy;

/// <summary>
/// Administrator lane control through PolicyAdmin on replica A, watched on replica B: lane limit overrides, operator
/// grants and provider preferences are stored, audited, role-checked and pushed as deltas.
/// </summary>
public sealed class LaneControlTests(PolicyReplicas replicas) : IClassFixture<PolicyReplicas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RegistryHost Host => replicas.Host;

    private PolicyAdmin.PolicyAdminClient AdminOnA => new(replicas.A);

    private Metadata Viewer => Host.AdminHeaders("vera", AdminRoles.AuditViewer);

    [Fact]
    public async Task SetLaneLimits_AsPluginManager_StoredAuditedAndPushedWithThePlugin()
    {
        var id = TestManifests.NewId("limits");
        await Host.InstallAsync(id);
        using var call = await WatchOnBAsync();

        var stored = await AdminOnA.SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = id,
            Operator = new OperatorLaneLimits { RequestsPerSecond = 50, Burst = 100 },
            Reason = "batch import",
        }, Host.Manager, cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal(("user:morgan", "batch import", 50d, 100), (stored.SetBy, stored.Reason, stored.Limits.Operator.RequestsPerSecond, stored.Limits.Operator.Burst));
        var pushed = Assert.Single(delta.Upserted);
        Assert.Equal(id, pushed.Id);
        Assert.Equal(stored, pushed.LaneLimits);
        Assert.Null(pushed.LaneLimits.Limits.Proxy);
        var audit = Assert.Single(await Host.AuditRowsAsync(id), r => r.Action == "policy.limits.set");
        Assert.Equal(("user:morgan", "succeeded", "batch import"), (audit.Actor, audit.Outcome, audit.Reason));
    }

    [Fact]
    public async Task SetLaneLimits_SecondLane_KeepsTheFirstLanesPart()
    {
        var id = TestManifests.NewId("limits");
        await Host.InstallAsync(id);
        await AdminOnA.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = id, Operator = new OperatorLaneLimits { Burst = 7 }, Reason = "one" },
            Host.Manager, cancellationToken: Ct);

        var stored = await AdminOnA.SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = id,
            Proxy = new ProxyLaneLimits { BytesPerSecond = 1_000_000, Mode = ProxyMode.Report },
            Reason = "two",
        }, Host.Manager, cancellationToken: Ct);

        Assert.Equal(7, stored.Limits.Operator.Burst);
        Assert.False(stored.Limits.Operator.HasRequestsPerSecond);
        Assert.Equal((1_000_000L, ProxyMode.Report), (stored.Limits.Proxy.BytesPerSecond, stored.Limits.Proxy.Mode));
        var listed = await AdminOnA.ListLaneLimitsAsync(new ListLaneLimitsRequest(), Viewer, cancellationToken: Ct);
        Assert.Equal(stored, Assert.Single(listed.Limits, l => l.PluginId == id));
    }

    [Fact]
    public async Task SetLaneLimits_OutOfBounds_InvalidArgumentNamingEveryField()
    {
        var id = TestManifests.NewId("limits");
        await Host.InstallAsync(id);

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = id,
            Proxy = new ProxyLaneLimits { RequestsPerSecond = 0, Burst = 2_000_000, BytesPerSecond = -1, Mode = (ProxyMode)9 },
            Reason = "x",
        }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(["proxy.requests_per_second", "proxy.burst", "proxy.bytes_per_second", "proxy.mode"],
            refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task SetLaneLimits_NoLane_InvalidArgumentOnLane()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.SetLaneLimitsAsync(
            new SetLaneLimitsRequest { PluginId = TestManifests.NewId("limits"), Reason = "x" }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(["lane"], refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task SetLaneLimits_UnknownPlugin_NotFoundAndAudited()
    {
        var id = TestManifests.NewId("ghost");

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = id,
            Canonical = new CanonicalLaneLimits { PublishRequestsPerSecond = 10 },
            Reason = "x",
        }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Equal(1L, await Host.AuditedRefusalsAsync("action = 'policy.limits.set' and target = @id", ("id", id)));
    }

    [Fact]
    public async Task SetLaneLimits_AsAuditViewer_PermissionDeniedAndNothingStored()
    {
        var id = TestManifests.NewId("limits");
        await Host.InstallAsync(id);

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = id,
            Operator = new OperatorLaneLimits { Burst = 1 },
            Reason = "x",
        }, Viewer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        var listed = await AdminOnA.ListLaneLimitsAsync(new ListLaneLimitsRequest(), Viewer, cancellationToken: Ct);
        Assert.DoesNotContain(listed.Limits, l => l.PluginId == id);
    }

    [Fact]
    public async Task ClearLaneLimits_OneLaneThenAll_RemovesThePartThenTheEntryFromTheSnapshot()
    {
        var id = TestManifests.NewId("limits");
        await Host.InstallAsync(id);
        await AdminOnA.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = id, Operator = new OperatorLaneLimits { Burst = 3 }, Reason = "a" },
            Host.Manager, cancellationToken: Ct);
        await AdminOnA.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = id, Proxy = new ProxyLaneLimits { Burst = 4 }, Reason = "b" },
            Host.Manager, cancellationToken: Ct);

        var afterOne = await AdminOnA.ClearLaneLimitsAsync(new ClearLaneLimitsRequest { PluginId = id, Lane = LaneKind.Operator, Reason = "c" },
            Host.Manager, cancellationToken: Ct);
        using var call = await WatchOnBAsync();
        var afterAll = await AdminOnA.ClearLaneLimitsAsync(new ClearLaneLimitsRequest { PluginId = id, Reason = "d" }, Host.Manager, cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Null(afterOne.Remaining.Limits.Operator);
        Assert.Equal(4, afterOne.Remaining.Limits.Proxy.Burst);
        Assert.Null(afterAll.Remaining);
        Assert.Null(Assert.Single(delta.Upserted).LaneLimits);
        Assert.Equal(2, (await Host.AuditRowsAsync(id)).Count(r => r.Action == "policy.limits.clear"));
    }

    [Fact]
    public async Task GrantOperatorAccess_AsPluginManager_StoredAuditedAndPushedAsDelta()
    {
        var (caller, target) = (TestManifests.NewId("caller"), TestManifests.NewId("target"));
        await Host.InstallAsync(caller);
        await Host.InstallAsync(target);
        using var call = await WatchOnBAsync();

        var stored = await AdminOnA.GrantOperatorAccessAsync(new GrantOperatorAccessRequest { Caller = caller, Target = target, Reason = "reporting job" },
            Host.Manager, cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal(("user:morgan", "reporting job"), (stored.GrantedBy, stored.Reason));
        Assert.Equal(stored, Assert.Single(delta.GrantsUpserted));
        Assert.Empty(delta.Upserted);
        var audit = Assert.Single(await Host.AuditRowsAsync($"grant:{caller}->{target}"));
        Assert.Equal(("user:morgan", "policy.grant.add", "succeeded"), (audit.Actor, audit.Action, audit.Outcome));
        var listed = await AdminOnA.ListOperatorGrantsAsync(new ListOperatorGrantsRequest { PluginId = target }, Viewer, cancellationToken: Ct);
        Assert.Equal([stored], listed.Grants);
    }

    [Fact]
    public async Task RevokeOperatorAccess_ExistingGrant_PushedAsRemovalAndGoneFromANewSnapshot()
    {
        var (caller, target) = (TestManifests.NewId("caller"), TestManifests.NewId("target"));
        await Host.InstallAsync(caller);
        await Host.InstallAsync(target);
        await AdminOnA.GrantOperatorAccessAsync(new GrantOperatorAccessRequest { Caller = caller, Target = target, Reason = "temp" }, Host.Manager, cancellationToken: Ct);
        using var call = await WatchOnBAsync();

        await AdminOnA.RevokeOperatorAccessAsync(new RevokeOperatorAccessRequest { Caller = caller, Target = target, Reason = "done" },
            Host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;
        using var fresh = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        var snapshot = (await PolicyReplicas.NextAsync(fresh, Ct)).Snapshot;

        Assert.Equal(new OperatorGrantKey { Caller = caller, Target = target }, Assert.Single(delta.GrantsRemoved));
        Assert.DoesNotContain(snapshot.Grants, g => g.Caller == caller);
        Assert.Contains(await Host.AuditRowsAsync($"grant:{caller}->{target}"), r => r.Action == "policy.grant.revoke" && r.Actor == "user:ada");
    }

    [Fact]
    public async Task RevokeOperatorAccess_NoSuchGrant_NotFoundWithCode()
    {
        var (caller, target) = (TestManifests.NewId("caller"), TestManifests.NewId("target"));

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.RevokeOperatorAccessAsync(
            new RevokeOperatorAccessRequest { Caller = caller, Target = target, Reason = "x" }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Equal(RefusalCodes.GrantNotFound, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    [Fact]
    public async Task GrantOperatorAccess_ToItself_RefusedAsSelfGrant()
    {
        var id = TestManifests.NewId("self");
        await Host.InstallAsync(id);

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.GrantOperatorAccessAsync(
            new GrantOperatorAccessRequest { Caller = id, Target = id, Reason = "x" }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(RefusalCodes.SelfGrant, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Equal(["target"], refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task GrantOperatorAccess_UnknownTarget_NotFound()
    {
        var caller = TestManifests.NewId("caller");
        await Host.InstallAsync(caller);

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.GrantOperatorAccessAsync(
            new GrantOperatorAccessRequest { Caller = caller, Target = TestManifests.NewId("ghost"), Reason = "x" }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task GrantOperatorAccess_AsAuditViewer_PermissionDeniedAndAudited()
    {
        var (caller, target) = (TestManifests.NewId("caller"), TestManifests.NewId("target"));

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.GrantOperatorAccessAsync(
            new GrantOperatorAccessRequest { Caller = caller, Target = target, Reason = "x" }, Viewer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal(1L, await Host.AuditedRefusalsAsync("action = 'policy.grant.add' and actor = 'user:vera' and target = @t", ("t", $"grant:{caller}->{target}")));
    }

    [Fact]
    public async Task Uninstall_PluginWithGrantAndPreference_BothLeaveTheSnapshot()
    {
        var (caller, target) = (TestManifests.NewId("caller"), TestManifests.NewId("target"));
        await Host.InstallAsync(caller);
        await Host.InstallAsync(target);
        await AdminOnA.GrantOperatorAccessAsync(new GrantOperatorAccessRequest { Caller = caller, Target = target, Reason = "r" }, Host.Manager, cancellationToken: Ct);
        await AdminOnA.SetProviderPreferenceAsync(new SetProviderPreferenceRequest { Contract = "IdentityPlugin", PluginId = target, Reason = "r" },
            Host.Manager, cancellationToken: Ct);

        await Host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = target, Reason = "gone" }, Host.Manager, cancellationToken: Ct);
        using var call = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        var snapshot = (await PolicyReplicas.NextAsync(call, Ct)).Snapshot;

        Assert.DoesNotContain(snapshot.Grants, g => g.Target == target);
        Assert.DoesNotContain(snapshot.ProviderPreferences, p => p.PluginId == target);
    }

    [Fact]
    public async Task SetProviderPreference_Provider_StoredAuditedAndPushedAsDelta()
    {
        var id = TestManifests.NewId("provider");
        await Host.InstallAsync(id);
        using var call = await WatchOnBAsync();

        var stored = await AdminOnA.SetProviderPreferenceAsync(new SetProviderPreferenceRequest { Contract = "IdentityPlugin", PluginId = id, Reason = "primary" },
            Host.Manager, cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal(("IdentityPlugin", id, "user:morgan"), (stored.Contract, stored.PluginId, stored.SetBy));
        Assert.Equal(stored, Assert.Single(delta.PreferencesUpserted));
        Assert.Contains(await Host.AuditRowsAsync("contract:IdentityPlugin"), r => r.Action == "policy.preference.set" && r.Reason == "primary");
    }

    [Fact]
    public async Task SetProviderPreference_PluginWithoutTheContract_FailedPreconditionNotAProvider()
    {
        var id = TestManifests.NewId("provider");
        await Host.InstallAsync(id);

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.SetProviderPreferenceAsync(
            new SetProviderPreferenceRequest { Contract = "StoragePlugin", PluginId = id, Reason = "x" }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(RefusalCodes.NotAProvider, refused.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    [Fact]
    public async Task SetProviderPreference_UnknownContract_InvalidArgumentOnContract()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.SetProviderPreferenceAsync(
            new SetProviderPreferenceRequest { Contract = "NoSuchPlugin", PluginId = TestManifests.NewId("p"), Reason = "x" }, Host.Manager,
            cancellationToken: Ct).ResponseAsync);

        Assert.Equal(["contract"], refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task ClearProviderPreference_Set_PushedAsRemoval()
    {
        var id = TestManifests.NewId("provider");
        await Host.InstallAsync(id);
        await AdminOnA.SetProviderPreferenceAsync(new SetProviderPreferenceRequest { Contract = "IdentityPlugin", PluginId = id, Reason = "r" },
            Host.Manager, cancellationToken: Ct);
        using var call = await WatchOnBAsync();

        await AdminOnA.ClearProviderPreferenceAsync(new ClearProviderPreferenceRequest { Contract = "IdentityPlugin", Reason = "r" }, Host.Manager, cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal(["IdentityPlugin"], delta.PreferencesRemoved);
        var listed = await AdminOnA.ListProviderPreferencesAsync(new ListProviderPreferencesRequest(), Viewer, cancellationToken: Ct);
        Assert.DoesNotContain(listed.Preferences, p => p.Contract == "IdentityPlugin");
    }

    private async Task<AsyncServerStreamingCall<PolicyMessage>> WatchOnBAsync()
    {
        var call = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        Assert.Equal(PolicyMessage.KindOneofCase.Snapshot, (await PolicyReplicas.NextAsync(call, Ct)).KindCase);
        return call;
    }
}
