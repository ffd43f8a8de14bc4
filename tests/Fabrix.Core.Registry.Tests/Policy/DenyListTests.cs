using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Policy;

/// <summary>
/// The Proxy lane's global deny list through PolicyAdmin on replica A, watched on replica B (issue 12 section 1):
/// normalised, stored with who/when/why, role-checked, audited, in the snapshot and pushed as deltas.
/// </summary>
public sealed class DenyListTests(PolicyReplicas replicas) : IClassFixture<PolicyReplicas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RegistryHost Host => replicas.Host;

    private PolicyAdmin.PolicyAdminClient AdminOnA => new(replicas.A);

    private Metadata Viewer => Host.AdminHeaders("vera", AdminRoles.AuditViewer);

    [Fact]
    public async Task AddDeniedDomain_AsPluginManager_NormalizedStoredAuditedAndPushed()
    {
        var name = TestManifests.NewId("evil");
        using var call = await WatchOnBAsync();

        var stored = await AdminOnA.AddDeniedDomainAsync(new AddDeniedDomainRequest { Pattern = $"*.{name.ToUpperInvariant()}.Example.", Reason = "exfiltration" },
            Host.Manager, cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal(($"*.{name}.example", "user:morgan", "exfiltration"), (stored.Pattern, stored.AddedBy, stored.Reason));
        Assert.Equal(stored, Assert.Single(delta.DeniedDomainsUpserted));
        var listed = await AdminOnA.ListDeniedDomainsAsync(new ListDeniedDomainsRequest(), Viewer, cancellationToken: Ct);
        Assert.Contains(stored, listed.DeniedDomains);
        var audit = Assert.Single(await Host.AuditRowsAsync($"deny:*.{name}.example"));
        Assert.Equal(("user:morgan", "policy.deny.add", "succeeded", "exfiltration"), (audit.Actor, audit.Action, audit.Outcome, audit.Reason));
    }

    [Fact]
    public async Task AddDeniedDomain_AlreadyListed_NoNewRevision()
    {
        var pattern = TestManifests.NewId("twice") + ".example";
        var first = await AdminOnA.AddDeniedDomainAsync(new AddDeniedDomainRequest { Pattern = pattern, Reason = "one" }, Host.Manager, cancellationToken: Ct);

        var second = await AdminOnA.AddDeniedDomainAsync(new AddDeniedDomainRequest { Pattern = pattern, Reason = "two" }, Host.Manager, cancellationToken: Ct);

        Assert.Equal(first, second);
        Assert.Single(await Host.AuditRowsAsync("deny:" + pattern), r => r.Outcome == "succeeded");
    }

    [Fact]
    public async Task AddDeniedDomain_InSnapshot_ForANewWatcher()
    {
        var pattern = TestManifests.NewId("snap") + ".example";
        await AdminOnA.AddDeniedDomainAsync(new AddDeniedDomainRequest { Pattern = pattern, Reason = "r" }, Host.Manager, cancellationToken: Ct);

        using var call = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        var snapshot = (await PolicyReplicas.NextAsync(call, Ct)).Snapshot;

        Assert.Contains(snapshot.DeniedDomains, d => d.Pattern == pattern);
    }

    [Fact]
    public async Task RemoveDeniedDomain_Listed_PushedAsRemovalAndAudited()
    {
        var pattern = TestManifests.NewId("gone") + ".example";
        await AdminOnA.AddDeniedDomainAsync(new AddDeniedDomainRequest { Pattern = pattern, Reason = "r" }, Host.Manager, cancellationToken: Ct);
        using var call = await WatchOnBAsync();

        await AdminOnA.RemoveDeniedDomainAsync(new RemoveDeniedDomainRequest { Pattern = pattern, Reason = "false alarm" },
            Host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal([pattern], delta.DeniedDomainsRemoved);
        Assert.Contains(await Host.AuditRowsAsync("deny:" + pattern), r => r.Action == "policy.deny.remove" && r.Actor == "user:ada" && r.Reason == "false alarm");
        var listed = await AdminOnA.ListDeniedDomainsAsync(new ListDeniedDomainsRequest(), Viewer, cancellationToken: Ct);
        Assert.DoesNotContain(listed.DeniedDomains, d => d.Pattern == pattern);
    }

    [Fact]
    public async Task RemoveDeniedDomain_NotListed_NotFoundAndAudited()
    {
        var pattern = TestManifests.NewId("never") + ".example";

        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.RemoveDeniedDomainAsync(
            new RemoveDeniedDomainRequest { Pattern = pattern, Reason = "r" }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Contains(await Host.AuditRowsAsync("deny:" + pattern), r => r.Outcome == "refused");
    }

    [Fact]
    public async Task AddDeniedDomain_AsAuditViewer_PermissionDenied()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.AddDeniedDomainAsync(
            new AddDeniedDomainRequest { Pattern = "viewer.example", Reason = "r" }, Viewer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("*.")]
    [InlineData("bad host.example")]
    [InlineData("")]
    public async Task AddDeniedDomain_NotAPatternAndNoReason_InvalidArgumentNamingBothFields(string pattern)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => AdminOnA.AddDeniedDomainAsync(
            new AddDeniedDomainRequest { Pattern = pattern, Reason = " " }, Host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(["pattern", "reason"], refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    private async Task<AsyncServerStreamingCall<PolicyMessage>> WatchOnBAsync()
    {
        var call = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        Assert.Equal(PolicyMessage.KindOneofCase.Snapshot, (await PolicyReplicas.NextAsync(call, Ct)).KindCase);
        return call;
    }
}
