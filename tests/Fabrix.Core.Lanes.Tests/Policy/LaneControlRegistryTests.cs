using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>Lane control and lane status between a lane and two real registry replicas.</summary>
public sealed class LaneControlRegistryTests(LaneRegistry registry) : IClassFixture<LaneRegistry>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Client_GrantAndLimitsThroughReplicaA_VisibleAtClientWatchingReplicaB()
    {
        var (caller, target) = ($"lc-{Guid.NewGuid():N}"[..16], $"lt-{Guid.NewGuid():N}"[..16]);
        await registry.InstallActiveAsync(caller);
        await registry.InstallActiveAsync(target);
        using var client = PolicyMessages.Client(LaneRegistry.PolicyClient(registry.B, registry.TokenSource()), TimeProvider.System);
        await client.StartAsync(Ct);
        await Eventually.WaitAsync(() => client.Current.Snapshot?.Find(target) is not null, "both plugins in the snapshot", Ct);
        var admin = new PolicyAdmin.PolicyAdminClient(registry.A.Channel);

        await admin.GrantOperatorAccessAsync(new GrantOperatorAccessRequest { Caller = caller, Target = target, Reason = "report" }, registry.Admin, cancellationToken: Ct);
        await admin.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = caller, Operator = new OperatorLaneLimits { Burst = 5 }, Reason = "slow down" },
            registry.Admin, cancellationToken: Ct);
        await Eventually.WaitAsync(() => client.Current.Snapshot?.Find(caller)?.LaneLimits is not null, "the limits at the client", Ct);

        Assert.True(client.Current.Snapshot!.IsGranted(caller, target));
        Assert.Equal(5, client.Current.Snapshot.Find(caller)!.LaneLimits!.Operator!.Burst);
        await client.StopAsync(Ct);
    }

    [Fact]
    public async Task AddLanePolicySnapshot_Running_ReportsItsStatusToTheRegistry()
    {
        var instance = $"gw-{Guid.NewGuid():N}";
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fabrix:Lanes:Identity:Name"] = LaneRegistry.ServiceName,
            ["Fabrix:Lanes:Identity:KeyPath"] = registry.ServiceKeyPath,
            ["Fabrix:Lanes:Policy:RegistryAddress"] = registry.A.Server.BaseAddress.ToString(),
            ["Fabrix:Lanes:Policy:InstanceId"] = instance,
            ["Fabrix:Lanes:Policy:StatusInterval"] = "00:00:01",
        });
        builder.AddLanePolicySnapshot().ConfigurePrimaryHttpMessageHandler(() => registry.A.Server.CreateHandler());
        using var host = builder.Build();
        await host.StartAsync(Ct);
        await Eventually.WaitAsync(() => host.Services.GetRequiredService<PolicySnapshotClient>().Current.IsUsable, "the first snapshot", Ct);
        var admin = new PolicyAdmin.PolicyAdminClient(registry.B.Channel);

        var listed = await Eventually.ForAsync(
            () => admin.ListLaneStatusAsync(new ListLaneStatusRequest(), registry.Admin, cancellationToken: Ct).ResponseAsync,
            response => response.Lanes.Any(l => l.InstanceId == instance && l.Usable), TimeSpan.FromSeconds(30), "a usable report of this instance", Ct);

        var lane = listed.Lanes.Single(l => l.InstanceId == instance);
        Assert.Equal(LaneRegistry.ServiceName, lane.Service);
        Assert.True(lane.Revision >= 1);
        Assert.False(lane.HasAuditBufferDepth);
        await host.StopAsync(Ct);
    }
}
