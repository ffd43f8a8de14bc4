using Fabrix.Core.Registry.Health;
using static Fabrix.Core.Registry.Tests.Health.InMemoryHealthStore;

namespace Fabrix.Core.Registry.Tests.Health;

/// <summary>Passive heartbeats and their TTL (issue 3 §1), on fake time.</summary>
public sealed class HeartbeatTtlTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, double> Metrics = new() { ["uptime_seconds"] = 42 };

    [Fact]
    public async Task RunTick_NoHeartbeatWithinTtl_StaysUnknown()
    {
        var store = new InMemoryHealthStore([HeartbeatTarget("silent")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();

        await harness.AdvanceAsync(Ttl);

        Assert.Empty(store.Observations);
        Assert.Equal(HealthState.Unknown, harness.Monitor.StatusOf("silent")!.State);
    }

    [Fact]
    public async Task RunTick_NoHeartbeatPastTtl_MarksUnhealthyOnce()
    {
        var store = new InMemoryHealthStore([HeartbeatTarget("silent")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();

        await harness.AdvanceAsync(Ttl + TimeSpan.FromSeconds(1));
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1), count: 30);

        var transition = Assert.Single(harness.Publisher.Published);
        Assert.Equal((HealthState.Unknown, HealthState.Unhealthy), (transition.From, transition.To));
        Assert.Equal("no heartbeat for 31 s (TTL 30 s)", transition.Reason);
        var sample = Assert.Single(store.Observations).Sample;
        Assert.Equal((HealthSampleSource.HeartbeatTtl, false), (sample.Source, sample.Success));
    }

    [Fact]
    public async Task RunTick_HeartbeatsKeepArriving_NeverExpires()
    {
        var store = new InMemoryHealthStore([HeartbeatTarget("chatty")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();

        for (var i = 0; i < 10; i++)
        {
            await harness.AdvanceAsync(TimeSpan.FromSeconds(10));
            await harness.HeartbeatAsync("chatty", Metrics);
        }

        Assert.Equal(HealthState.Healthy, harness.Monitor.StatusOf("chatty")!.State);
        Assert.DoesNotContain(store.Transitions, t => t.To == HealthState.Unhealthy);
    }

    [Fact]
    public async Task HeartbeatReceived_TwoInARow_MakesPluginHealthy()
    {
        var store = new InMemoryHealthStore([HeartbeatTarget("beating")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();

        var afterFirst = await harness.HeartbeatAsync("beating", Metrics);
        var afterSecond = await harness.HeartbeatAsync("beating", Metrics);

        Assert.Equal((HealthState.Unknown, HealthState.Healthy), (afterFirst, afterSecond));
        var transition = Assert.Single(store.Transitions);
        Assert.Equal("2 consecutive heartbeats received", transition.Reason);
        Assert.All(store.Observations, o => Assert.Equal(42, o.Sample.Metrics["uptime_seconds"]));
    }

    [Fact]
    public async Task HeartbeatReceived_AfterExpiry_RecoversAfterTwoHeartbeats()
    {
        var store = new InMemoryHealthStore([HeartbeatTarget("returning")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();
        await harness.AdvanceAsync(Ttl + TimeSpan.FromSeconds(1));

        await harness.HeartbeatAsync("returning", Metrics);
        var afterOne = harness.Monitor.StatusOf("returning")!.State;
        await harness.HeartbeatAsync("returning", Metrics);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(HealthState.Unhealthy, afterOne);
        Assert.Equal(
            [(HealthState.Unknown, HealthState.Unhealthy), (HealthState.Unhealthy, HealthState.Healthy)],
            store.Transitions.Select(t => (t.From, t.To)));
    }

    [Fact]
    public async Task RunTick_HeartbeatsStop_ExpiresOneTtlAfterTheLastOne()
    {
        var store = new InMemoryHealthStore([HeartbeatTarget("stopping")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();
        await harness.AdvanceAsync(TimeSpan.FromSeconds(20));
        await harness.HeartbeatAsync("stopping", Metrics);

        await harness.AdvanceAsync(TimeSpan.FromSeconds(1), count: 30);
        var atTtl = harness.Monitor.StatusOf("stopping")!.State;
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(HealthState.Unknown, atTtl);
        Assert.Equal(HealthState.Unhealthy, harness.Monitor.StatusOf("stopping")!.State);
        Assert.Equal(MonitorHarness.Start + TimeSpan.FromSeconds(51), store.Transitions[^1].At);
    }

    [Fact]
    public async Task RunTick_AfterRegistryRestart_GivesSilentPluginsOneTtlBeforeJudging()
    {
        // The last heartbeat is an hour old because the registry itself was down, not the plugin.
        var store = new InMemoryHealthStore([HeartbeatTarget("waiting", new HealthStatus(HealthState.Healthy, 0, 9), MonitorHarness.Start - TimeSpan.FromHours(1))]);
        using var harness = new MonitorHarness(store);

        await harness.TickAsync();
        await harness.AdvanceAsync(Ttl);
        var withinGrace = harness.Monitor.StatusOf("waiting")!.State;
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(HealthState.Healthy, withinGrace);
        Assert.Equal(HealthState.Unhealthy, harness.Monitor.StatusOf("waiting")!.State);
    }

    [Fact]
    public async Task HeartbeatReceived_PluginWithHealthCheck_LeavesHealthToTheProbe()
    {
        var store = new InMemoryHealthStore([HttpTarget("probed")]);
        using var harness = new MonitorHarness(store);
        harness.Probe.Script("probed", "F");
        await harness.TickAsync();

        var state = await harness.HeartbeatAsync("probed", Metrics);
        await harness.HeartbeatAsync("probed", Metrics);

        Assert.Equal(HealthState.Degraded, state);
        Assert.Equal(HealthState.Degraded, harness.Monitor.StatusOf("probed")!.State);
        Assert.Single(store.Observations);
    }

    [Fact]
    public async Task RunTick_PluginWithHealthCheckSilent_IsNotJudgedByHeartbeats()
    {
        var store = new InMemoryHealthStore([HttpTarget("probed-only")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();

        await harness.AdvanceAsync(TimeSpan.FromSeconds(10), count: 6);

        Assert.Equal(HealthState.Healthy, harness.Monitor.StatusOf("probed-only")!.State);
        Assert.DoesNotContain(store.Observations, o => o.Sample.Source == HealthSampleSource.HeartbeatTtl);
    }

    [Fact]
    public async Task HeartbeatReceived_UnmonitoredPlugin_ReturnsNull()
    {
        using var harness = new MonitorHarness(new InMemoryHealthStore([HeartbeatTarget("known")]));
        await harness.TickAsync();

        var state = await harness.HeartbeatAsync("disabled-plugin", Metrics);

        Assert.Null(state);
    }

    [Fact]
    public async Task RunTick_PerPluginTtlOverride_AppliesToThatPluginOnly()
    {
        var options = new HealthOptions { Jitter = 0 };
        options.Plugins["patient"] = new HealthPolicyOverride { HeartbeatTtl = TimeSpan.FromMinutes(2) };
        var store = new InMemoryHealthStore([HeartbeatTarget("patient"), HeartbeatTarget("strict")]);
        using var harness = new MonitorHarness(store, options);
        await harness.TickAsync();

        await harness.AdvanceAsync(TimeSpan.FromSeconds(31));

        Assert.Equal(HealthState.Unknown, harness.Monitor.StatusOf("patient")!.State);
        Assert.Equal(HealthState.Unhealthy, harness.Monitor.StatusOf("strict")!.State);
    }

    [Fact]
    public async Task RunTick_HeartbeatStoredByAnotherInstance_CountsOnceLikeOneReceivedHere()
    {
        var store = new InMemoryHealthStore([HeartbeatTarget("elsewhere")]);
        using var harness = new MonitorHarness(store, new HealthOptions { Jitter = 0, TargetRefreshInterval = TimeSpan.FromSeconds(1) });
        await harness.TickAsync();

        // Two heartbeats stored by a standby instance, seen by the leader's refreshes; each is seen by several.
        for (var beat = 1; beat <= 2; beat++)
        {
            var at = harness.Time.GetUtcNow();
            store.Set(HeartbeatTarget("elsewhere", harness.Monitor.StatusOf("elsewhere"), at) with { LastHeartbeatMetrics = Metrics });
            await harness.AdvanceAsync(TimeSpan.FromSeconds(1), count: 3);
        }

        var heartbeats = store.Observations.Where(o => o.Sample.Source == HealthSampleSource.Heartbeat).ToList();
        Assert.Equal(2, heartbeats.Count);
        Assert.All(heartbeats, o => Assert.Equal(42, o.Sample.Metrics["uptime_seconds"]));
        Assert.Equal(HealthState.Healthy, harness.Monitor.StatusOf("elsewhere")!.State);
    }

    [Fact]
    public async Task HeartbeatReceived_SameStoredHeartbeatAlsoSeenByRefresh_CountsOnce()
    {
        var store = new InMemoryHealthStore([HeartbeatTarget("both-ways")]);
        using var harness = new MonitorHarness(store, new HealthOptions { Jitter = 0, TargetRefreshInterval = TimeSpan.FromSeconds(1) });
        await harness.TickAsync();
        var at = harness.Time.GetUtcNow();

        await harness.Monitor.HeartbeatReceivedAsync("both-ways", at, Metrics, TestContext.Current.CancellationToken);
        store.Set(HeartbeatTarget("both-ways", harness.Monitor.StatusOf("both-ways"), at));
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1), count: 3);

        Assert.Single(store.Observations, o => o.Sample.Source == HealthSampleSource.Heartbeat);
        Assert.Equal(HealthState.Unknown, harness.Monitor.StatusOf("both-ways")!.State);
    }
}
