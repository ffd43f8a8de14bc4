using System.Diagnostics;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Monitoring = Fabrix.Core.Registry.Health;

namespace Fabrix.Core.Registry.Tests.Policy;

/// <summary>WatchPolicy (issue 9 section 1): full snapshot, then one delta per committed change, resume, two replicas.</summary>
public sealed class PolicyWatchTests(PolicyReplicas replicas, ITestOutputHelper output) : IClassFixture<PolicyReplicas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RegistryHost Host => replicas.Host;

    [Fact]
    public async Task WatchPolicy_FromZero_SendsFullSnapshotThenOneDeltaPerChange()
    {
        var installed = TestManifests.NewId("snap");
        var detail = await Host.InstallAsync(installed);
        using var call = PolicyReplicas.WatcherOf(replicas.A).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);

        var first = await PolicyReplicas.NextAsync(call, Ct);
        Assert.Equal(PolicyMessage.KindOneofCase.Snapshot, first.KindCase);
        var entry = Assert.Single(first.Snapshot.Plugins, p => p.Id == installed);
        Assert.Equal(PluginStatus.Installed, entry.Status);
        Assert.Equal(detail.ManifestDigest, entry.ManifestDigest);
        Assert.Equal(["handles_pii", "audit_required"], entry.Traits);
        Assert.Equal(["pii", "internal"], entry.DataClassifications);
        Assert.Equal("/api/users/{id}", entry.Endpoints["user_info"]);
        Assert.Equal(["IdentityPlugin"], entry.Contracts);
        Assert.Equal(4, first.Snapshot.Switches.Count);
        Assert.All(first.Snapshot.Switches, s => Assert.NotEmpty(s.SetBy));

        var added = TestManifests.NewId("snap");
        await Host.InstallAsync(added);
        var install = (await PolicyReplicas.NextAsync(call, Ct)).Delta;
        await Host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = added, Reason = "gone" }, Host.Manager, cancellationToken: Ct);
        var uninstall = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal((first.Snapshot.Revision, first.Snapshot.Revision + 1), (install.BaseRevision, install.Revision));
        Assert.Equal(added, Assert.Single(install.Upserted).Id);
        Assert.Empty(install.Removed);
        Assert.Equal((install.Revision, install.Revision + 1), (uninstall.BaseRevision, uninstall.Revision));
        Assert.Equal([added], uninstall.Removed);
        Assert.Empty(uninstall.Upserted);
    }

    [Fact]
    public async Task WatchPolicy_ChangeThroughReplicaA_ReachesWatcherOfReplicaB()
    {
        var id = TestManifests.NewId("replica");
        await Host.InstallAsync(id, enableOnRegister: true);
        await Host.RegisterRestOkAsync(id);
        using var call = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        var snapshot = (await PolicyReplicas.NextAsync(call, Ct)).Snapshot;
        Assert.Equal(PluginStatus.Active, snapshot.Plugins.Single(p => p.Id == id).Status);
        Assert.Equal("http://127.0.0.1:5300", snapshot.Plugins.Single(p => p.Id == id).Address);

        var admin = new RegistryAdmin.RegistryAdminClient(replicas.A);
        await admin.DisablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "incident" }, Host.Manager, cancellationToken: Ct);
        var committed = Stopwatch.GetTimestamp();
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;
        output.WriteLine($"disable on replica A -> delta at a watcher of replica B: {Stopwatch.GetElapsedTime(committed).TotalMilliseconds:F1} ms");

        Assert.Equal(snapshot.Revision, delta.BaseRevision);
        Assert.Equal(PluginStatus.Disabled, Assert.Single(delta.Upserted).Status);
    }

    [Fact]
    public async Task WatchPolicy_ChangesThroughBothReplicas_BothStreamsCarryTheSameRevisions()
    {
        using var onA = PolicyReplicas.WatcherOf(replicas.A).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        using var onB = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        var start = (await PolicyReplicas.NextAsync(onA, Ct)).Snapshot.Revision;
        Assert.Equal(start, (await PolicyReplicas.NextAsync(onB, Ct)).Snapshot.Revision);

        var fromA = TestManifests.NewId("both");
        var fromB = TestManifests.NewId("both");
        await Host.InstallAsync(fromA, manifestJson: null);
        var seenOnA = new List<PolicyDelta> { (await PolicyReplicas.NextAsync(onA, Ct)).Delta };
        var seenOnB = new List<PolicyDelta> { (await PolicyReplicas.NextAsync(onB, Ct)).Delta };
        await new RegistryAdmin.RegistryAdminClient(replicas.B).InstallPluginAsync(
            new InstallPluginRequest { ManifestJson = TestManifests.Json(fromB) }, Host.Manager, cancellationToken: Ct);
        seenOnA.Add((await PolicyReplicas.NextAsync(onA, Ct)).Delta);
        seenOnB.Add((await PolicyReplicas.NextAsync(onB, Ct)).Delta);

        Assert.Equal([(start, start + 1), (start + 1, start + 2)], seenOnA.Select(d => (d.BaseRevision, d.Revision)));
        Assert.Equal(seenOnA, seenOnB);
        Assert.Equal([fromA, fromB], seenOnB.Select(d => Assert.Single(d.Upserted).Id));
    }

    [Fact]
    public async Task WatchPolicy_ResumeFromRevision_SendsOnlyTheChangesSince()
    {
        long revision;
        using (var first = PolicyReplicas.WatcherOf(replicas.A).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct))
        {
            revision = (await PolicyReplicas.NextAsync(first, Ct)).Snapshot.Revision;
        }

        var missed = TestManifests.NewId("resume");
        await Host.InstallAsync(missed);

        using var resumed = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest { FromRevision = revision }, replicas.ServiceHeaders(), cancellationToken: Ct);
        var message = await PolicyReplicas.NextAsync(resumed, Ct);

        Assert.Equal(PolicyMessage.KindOneofCase.Delta, message.KindCase);
        Assert.Equal((revision, revision + 1), (message.Delta.BaseRevision, message.Delta.Revision));
        Assert.Equal(missed, Assert.Single(message.Delta.Upserted).Id);
    }

    [Fact]
    public async Task WatchPolicy_ResumeFromCurrentRevision_SendsHeartbeatFirst()
    {
        long revision;
        using (var first = PolicyReplicas.WatcherOf(replicas.A).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct))
        {
            revision = (await PolicyReplicas.NextAsync(first, Ct)).Snapshot.Revision;
        }

        using var resumed = PolicyReplicas.WatcherOf(replicas.A).WatchPolicy(new WatchPolicyRequest { FromRevision = revision }, replicas.ServiceHeaders(), cancellationToken: Ct);
        var message = await PolicyReplicas.NextAsync(resumed, Ct, skipHeartbeats: false);

        Assert.Equal(PolicyMessage.KindOneofCase.Heartbeat, message.KindCase);
        Assert.Equal(revision, message.Heartbeat.Revision);
    }

    [Fact]
    public async Task WatchPolicy_ResumeFromRevisionTheRegistryCannotServe_SendsFullSnapshot()
    {
        using var call = PolicyReplicas.WatcherOf(replicas.A).WatchPolicy(new WatchPolicyRequest { FromRevision = 1_000_000_000 }, replicas.ServiceHeaders(),
            cancellationToken: Ct);

        var message = await PolicyReplicas.NextAsync(call, Ct);

        Assert.Equal(PolicyMessage.KindOneofCase.Snapshot, message.KindCase);
        Assert.True(message.Snapshot.Revision < 1_000_000_000);
    }

    [Fact]
    public async Task WatchPolicy_HealthTransition_DeltaCarriesTheNewHealth()
    {
        var id = TestManifests.NewId("health");
        await Host.InstallAsync(id, enableOnRegister: true);
        await Host.RegisterRestOkAsync(id);
        using var call = PolicyReplicas.WatcherOf(replicas.B).WatchPolicy(new WatchPolicyRequest(), replicas.ServiceHeaders(), cancellationToken: Ct);
        var snapshot = (await PolicyReplicas.NextAsync(call, Ct)).Snapshot;
        var store = replicas.FactoryA.Services.GetRequiredService<Monitoring.IHealthStore>();
        var at = DateTimeOffset.UtcNow;

        await store.RecordAsync(new Monitoring.HealthObservation(
            new Monitoring.HealthSample(id, at, Monitoring.HealthSampleSource.Http, false, TimeSpan.FromMilliseconds(3), "connection refused", new Dictionary<string, double>()),
            new Monitoring.HealthStatus(Monitoring.HealthState.Degraded, 1, 0),
            new Monitoring.HealthTransition(id, Monitoring.HealthState.Unknown, Monitoring.HealthState.Degraded, at, "1 failure")), Ct);
        var delta = (await PolicyReplicas.NextAsync(call, Ct)).Delta;

        Assert.Equal(snapshot.Revision, delta.BaseRevision);
        var entry = Assert.Single(delta.Upserted);
        Assert.Equal((id, HealthState.Degraded), (entry.Id, entry.Health));
    }
}
