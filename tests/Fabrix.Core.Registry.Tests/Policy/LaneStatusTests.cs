using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Policy;

/// <summary>Lane status (issue 9 section 6): lanes report through one replica, administrators list through the other.</summary>
public sealed class LaneStatusTests(PolicyReplicas replicas) : IClassFixture<PolicyReplicas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RegistryHost Host => replicas.Host;

    [Fact]
    public async Task ReportLaneStatus_AsService_ListedOnTheOtherReplicaWithRevisionAndIngestBacklog()
    {
        var instance = $"gw-{Guid.NewGuid():N}";
        var report = new LaneStatusReport { InstanceId = instance, Revision = 3, Usable = true, StalenessSeconds = 1.5, AuditBufferDepth = 12, AuditDropped = 2 };

        await PolicyReplicas.WatcherOf(replicas.A).ReportLaneStatusAsync(report, replicas.ServiceHeaders(), cancellationToken: Ct);
        var listed = await Eventually.ForAsync(
            () => new PolicyAdmin.PolicyAdminClient(replicas.B).ListLaneStatusAsync(new ListLaneStatusRequest(), Host.AdminHeaders("vera", AdminRoles.AuditViewer),
                cancellationToken: Ct).ResponseAsync,
            response => response.HasAuditIngestBacklog, TimeSpan.FromSeconds(30), "the ingest consumer's backlog", Ct);

        var lane = Assert.Single(listed.Lanes, l => l.InstanceId == instance);
        Assert.Equal((PolicyReplicas.ServiceName, 3L, true, 1.5, 12L, 2L),
            (lane.Service, lane.Revision, lane.Usable, lane.StalenessSeconds, lane.AuditBufferDepth, lane.AuditDropped));
        Assert.True(lane.AgeSeconds >= 0);
        Assert.True(listed.Revision >= 1);
        Assert.True(listed.AuditIngestBacklog >= 0);
    }

    [Fact]
    public async Task ReportLaneStatus_SameInstanceTwice_KeepsTheLatestOnly()
    {
        var instance = $"gw-{Guid.NewGuid():N}";
        var watcher = PolicyReplicas.WatcherOf(replicas.A);

        await watcher.ReportLaneStatusAsync(new LaneStatusReport { InstanceId = instance, Revision = 1 }, replicas.ServiceHeaders(), cancellationToken: Ct);
        await watcher.ReportLaneStatusAsync(new LaneStatusReport { InstanceId = instance, Revision = 2, Usable = true }, replicas.ServiceHeaders(), cancellationToken: Ct);
        var listed = await new PolicyAdmin.PolicyAdminClient(replicas.A).ListLaneStatusAsync(new ListLaneStatusRequest(), Host.Manager, cancellationToken: Ct);

        var lane = Assert.Single(listed.Lanes, l => l.InstanceId == instance);
        Assert.Equal((2L, true, false, false), (lane.Revision, lane.Usable, lane.HasStalenessSeconds, lane.HasAuditBufferDepth));
    }

    [Fact]
    public async Task ReportLaneStatus_WithAdministratorToken_PermissionDeniedNotAService()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => PolicyReplicas.WatcherOf(replicas.A).ReportLaneStatusAsync(
            new LaneStatusReport { InstanceId = "x" }, Host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }

    [Fact]
    public async Task ReportLaneStatus_NoInstanceId_InvalidArgument()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => PolicyReplicas.WatcherOf(replicas.A).ReportLaneStatusAsync(
            new LaneStatusReport { Revision = -1 }, replicas.ServiceHeaders(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    [Fact]
    public async Task ListLaneStatus_WithoutToken_Unauthenticated()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => new PolicyAdmin.PolicyAdminClient(replicas.A).ListLaneStatusAsync(
            new ListLaneStatusRequest(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }
}
