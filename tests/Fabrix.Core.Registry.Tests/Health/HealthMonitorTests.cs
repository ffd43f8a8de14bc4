using Fabrix.Core.Registry.Health;
using static Fabrix.Core.Registry.Tests.Health.InMemoryHealthStore;
using HealthCheckContext = Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext;
using HealthCheckStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus;

namespace Fabrix.Core.Registry.Tests.Health;

/// <summary>The one polling loop (issue 3 §1) on fake time: scheduling, concurrency, thresholds end to end, records.</summary>
public sealed class HealthMonitorTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RunTick_OneIntervalAdvanced_ProbesEachTargetExactlyOnce()
    {
        var plugins = Ids(50);
        using var harness = new MonitorHarness(new InMemoryHealthStore(plugins.Select(id => HttpTarget(id))));
        await harness.TickAsync();
        await harness.AdvanceAsync(Tick, count: 10);
        harness.Probe.ResetCalls();

        await harness.AdvanceAsync(Tick, count: 10);

        var calls = harness.Probe.Calls();
        Assert.Equal(plugins.Order(), calls.Keys.Order());
        Assert.All(calls.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task RunTick_SeveralIntervals_ProbesAtTheConfiguredRate()
    {
        var plugins = Ids(20);
        using var harness = new MonitorHarness(new InMemoryHealthStore(plugins.Select(id => HttpTarget(id))), new HealthOptions { Jitter = 0.1 });
        await harness.TickAsync();
        await harness.AdvanceAsync(Tick, count: 10);
        harness.Probe.ResetCalls();

        await harness.AdvanceAsync(Tick, count: 100);

        // 10 intervals: each plugin 10 times, give or take one for jitter at the window's edges.
        Assert.All(harness.Probe.Calls().Values, count => Assert.InRange(count, 9, 11));
        Assert.InRange(harness.Probe.TotalCalls, 190, 210);
    }

    [Fact]
    public async Task RunTick_ManyDueTargets_NeverExceedsMaxConcurrency()
    {
        var plugins = Ids(40);
        using var harness = new MonitorHarness(
            new InMemoryHealthStore(plugins.Select(id => HttpTarget(id))),
            new HealthOptions { Jitter = 0, MaxConcurrency = 4 });
        harness.Probe.Hold();
        await harness.Monitor.RunTickAsync(TestContext.Current.CancellationToken);
        harness.Time.Advance(Interval);

        await harness.Monitor.RunTickAsync(TestContext.Current.CancellationToken);
        await harness.Probe.WhenConcurrentAsync(4).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var inFlight = harness.Monitor.InFlight;
        harness.Probe.Release();
        await harness.Monitor.WhenProbesCompleteAsync();

        Assert.Equal(40, inFlight);
        Assert.Equal(4, harness.Probe.MaxConcurrent);
        Assert.Equal(plugins.Order(), harness.Probe.Calls().Keys.Order());
    }

    [Fact]
    public async Task RunTick_PreviousProbeStillRunning_DoesNotProbeTheSamePluginAgain()
    {
        using var harness = new MonitorHarness(new InMemoryHealthStore([HttpTarget("slow")]));
        harness.Probe.Hold();
        await harness.Monitor.RunTickAsync(TestContext.Current.CancellationToken);

        await harness.AdvanceWithoutWaitingAsync(Interval);
        await harness.AdvanceWithoutWaitingAsync(Interval);
        harness.Probe.Release();
        await harness.Monitor.WhenProbesCompleteAsync();

        Assert.Equal(1, harness.Probe.CallsOf("slow"));
    }

    [Fact]
    public async Task RunTick_AfterRestart_SpreadsFirstProbesOverOneInterval()
    {
        // The previous registry process left every plugin healthy; a new monitor starts with 100 of them due.
        var plugins = Ids(100);
        var store = new InMemoryHealthStore(plugins.Select(id => HttpTarget(id, new HealthStatus(HealthState.Healthy, 0, 5))));
        using var harness = new MonitorHarness(store);
        var firstProbes = new List<int>();

        await harness.TickAsync();
        firstProbes.Add(harness.Probe.TotalCalls);
        for (var tick = 1; tick <= 9; tick++)
        {
            await harness.AdvanceAsync(Tick);
            firstProbes.Add(harness.Probe.TotalCalls - firstProbes.Sum());
        }

        await harness.AdvanceAsync(Tick);

        // 100 plugins over 10 ticks: never more than 10 at once, and all of them within the interval.
        Assert.All(firstProbes, count => Assert.InRange(count, 1, 10));
        Assert.All(plugins, id => Assert.True(harness.Probe.CallsOf(id) >= 1, $"{id} was not probed within one interval"));
        Assert.Empty(store.Transitions);
    }

    [Fact]
    public async Task RunTick_PersistedStatus_ResumesAfterRestart()
    {
        var store = new InMemoryHealthStore([HttpTarget("resumed", new HealthStatus(HealthState.Unhealthy, 7, 0))]);
        using var harness = new MonitorHarness(store);
        harness.Probe.Script("resumed", "SS");

        await harness.TickAsync();
        await harness.AdvanceAsync(Interval);

        var transition = Assert.Single(store.Transitions);
        Assert.Equal((HealthState.Unhealthy, HealthState.Healthy), (transition.From, transition.To));
    }

    public static TheoryData<string, string> ProbeScripts() => new()
    {
        // probe outcomes, one per interval -> transitions recorded, "from>to@interval"
        { "FFFSS", "unknown>degraded@0 degraded>unhealthy@2 unhealthy>healthy@4" },
        { "SSFSS", "unknown>healthy@1 healthy>degraded@2 degraded>healthy@4" },
        { "SFFFSFSS", "unknown>degraded@1 degraded>unhealthy@3 unhealthy>healthy@7" },
        { "SSSS", "unknown>healthy@1" },
        { "S", "" },
    };

    [Theory]
    [MemberData(nameof(ProbeScripts))]
    public async Task RunTick_ProbeOutcomes_RecordAndPublishTransitionsAtTheirTimes(string outcomes, string expected)
    {
        var store = new InMemoryHealthStore([HttpTarget("scripted")]);
        using var harness = new MonitorHarness(store);
        harness.Probe.Script("scripted", outcomes);

        await harness.TickAsync();
        await harness.AdvanceAsync(Interval, count: outcomes.Length - 1);

        var recorded = string.Join(' ', store.Transitions.Select(t => $"{t.From.Name()}>{t.To.Name()}@{(t.At - MonitorHarness.Start) / Interval}"));
        Assert.Equal(expected, recorded);
        Assert.Equal(store.Transitions, harness.Publisher.Published);
        Assert.Equal(outcomes.Length, store.ObservationsOf("scripted").Count);
    }

    [Fact]
    public async Task RunTick_ThirdFailure_ReasonNamesTheRunAndTheLastError()
    {
        var store = new InMemoryHealthStore([HttpTarget("failing")]);
        using var harness = new MonitorHarness(store);
        harness.Probe.Script("failing", "F");

        await harness.TickAsync();
        await harness.AdvanceAsync(Interval, count: 2);

        Assert.Equal("3 consecutive failed probes, the last: HTTP 500", store.Transitions[^1].Reason);
        Assert.Equal(new HealthStatus(HealthState.Unhealthy, 3, 0), store.StatusOf("failing"));
    }

    [Fact]
    public async Task RunTick_SuccessfulProbe_RecordsSampleWithMetricsAndDuration()
    {
        var store = new InMemoryHealthStore([HttpTarget("measured")]);
        using var harness = new MonitorHarness(store);

        await harness.TickAsync();

        var sample = Assert.Single(store.Observations).Sample;
        Assert.Equal(("measured", HealthSampleSource.Http, true, MonitorHarness.Start), (sample.PluginId, sample.Source, sample.Success, sample.At));
        Assert.Equal(1, sample.Metrics["uptime_seconds"]);
        Assert.Equal(TimeSpan.FromMilliseconds(3), sample.Duration);
    }

    [Fact]
    public async Task RunTick_RecordingFails_KeepsStateSoTheNextObservationDecidesAgain()
    {
        var store = new InMemoryHealthStore([HttpTarget("flaky-store")]) { FailingRecords = 1 };
        using var harness = new MonitorHarness(store);
        harness.Probe.Script("flaky-store", "F");

        await harness.TickAsync();
        var afterFailedRecord = harness.Monitor.StatusOf("flaky-store");
        await harness.AdvanceAsync(Interval);

        Assert.Equal(HealthStatus.Unknown, afterFailedRecord);
        var transition = Assert.Single(harness.Publisher.Published);
        Assert.Equal((HealthState.Unknown, HealthState.Degraded), (transition.From, transition.To));
        Assert.Equal(new HealthStatus(HealthState.Degraded, 1, 0), store.StatusOf("flaky-store"));
    }

    [Fact]
    public async Task RunTick_PublishingFails_TransitionStaysRecorded()
    {
        var store = new InMemoryHealthStore([HttpTarget("unpublished")]);
        using var harness = new MonitorHarness(store);
        harness.Publisher.Fail = true;
        harness.Probe.Script("unpublished", "F");

        await harness.TickAsync();

        Assert.Single(store.Transitions);
        Assert.Equal(HealthState.Degraded, harness.Monitor.StatusOf("unpublished")!.State);
    }

    [Fact]
    public async Task RunTick_PluginRemovedWhileProbing_DropsTheLateResult()
    {
        var store = new InMemoryHealthStore([HttpTarget("leaving")]);
        using var harness = new MonitorHarness(store);
        harness.Probe.Script("leaving", "F");
        harness.Probe.Hold();
        await harness.Monitor.RunTickAsync(TestContext.Current.CancellationToken);

        store.Remove("leaving");
        harness.Monitor.RequestRefresh();
        await harness.Monitor.RunTickAsync(TestContext.Current.CancellationToken);
        harness.Probe.Release();
        await harness.Monitor.WhenProbesCompleteAsync();

        Assert.Empty(store.Observations);
        Assert.Null(harness.Monitor.StatusOf("leaving"));
    }

    [Fact]
    public async Task RunTick_PluginAddedLater_IsProbedAtOnce()
    {
        var store = new InMemoryHealthStore([HttpTarget("first")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();

        store.Set(HttpTarget("enabled-later"));
        harness.Monitor.RequestRefresh();
        await harness.AdvanceAsync(Tick);

        Assert.Equal(1, harness.Probe.CallsOf("enabled-later"));
    }

    [Fact]
    public async Task RunTick_RefreshRequested_ReloadsBeforeTheRefreshInterval()
    {
        var store = new InMemoryHealthStore([HttpTarget("first")]);
        using var harness = new MonitorHarness(store, new HealthOptions { Jitter = 0, TargetRefreshInterval = TimeSpan.FromMinutes(1) });
        await harness.TickAsync();
        await harness.AdvanceAsync(Tick);
        var loadsWithoutRequest = store.Loads;

        harness.Monitor.RequestRefresh();
        await harness.AdvanceAsync(Tick);

        Assert.Equal((1, 2), (loadsWithoutRequest, store.Loads));
    }

    [Fact]
    public async Task RunTick_StoreCannotLoad_KeepsProbingKnownPluginsAndReportsDegraded()
    {
        var store = new InMemoryHealthStore([HttpTarget("known")]);
        using var harness = new MonitorHarness(store);
        await harness.TickAsync();
        store.LoadFailure = new InvalidOperationException("database unreachable");

        await harness.AdvanceAsync(Interval);
        var report = await harness.Liveness.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(2, harness.Probe.CallsOf("known"));
        Assert.Equal(HealthCheckStatus.Degraded, report.Status);
        Assert.Contains("database unreachable", report.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunTick_PerPluginOverride_ProbesThatPluginAtItsOwnInterval()
    {
        var options = new HealthOptions { Jitter = 0 };
        options.Plugins["fast"] = new HealthPolicyOverride { Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(1) };
        using var harness = new MonitorHarness(new InMemoryHealthStore([HttpTarget("fast"), HttpTarget("normal")]), options);
        await harness.TickAsync();
        await harness.AdvanceAsync(Tick, count: 10);
        harness.Probe.ResetCalls();

        await harness.AdvanceAsync(Tick, count: 20);

        Assert.Equal((10, 2), (harness.Probe.CallsOf("fast"), harness.Probe.CallsOf("normal")));
    }

    [Fact]
    public async Task RunTick_HealthCheckWithoutUsableAddress_CountsAsFailedProbe()
    {
        var target = HttpTarget("nowhere") with { Address = null };
        var store = new InMemoryHealthStore([target]);
        using var harness = new MonitorHarness(store);

        await harness.TickAsync();

        var sample = Assert.Single(store.Observations).Sample;
        Assert.False(sample.Success);
        Assert.Contains("no registered address", sample.Detail, StringComparison.Ordinal);
        Assert.Equal(0, harness.Probe.TotalCalls);
    }

    [Fact]
    public async Task ExecuteAsync_Started_ProbesOnThePeriodicTimerAndStopsCleanly()
    {
        var plugins = Ids(3);
        var store = new InMemoryHealthStore(plugins.Select(id => HttpTarget(id)));
        using var harness = new MonitorHarness(store);
        var cancellation = TestContext.Current.CancellationToken;

        await harness.Monitor.StartAsync(cancellation);
        await store.FirstLoad.WaitAsync(TimeSpan.FromSeconds(10), cancellation);
        harness.Time.Advance(Interval);
        await store.WhenRecordedAsync(4).WaitAsync(TimeSpan.FromSeconds(10), cancellation);
        await harness.Monitor.StopAsync(cancellation);
        var report = await harness.Liveness.CheckHealthAsync(new HealthCheckContext(), cancellation);

        Assert.All(plugins, id => Assert.NotEmpty(store.ObservationsOf(id)));
        Assert.True(harness.Liveness.CompletedTicks >= 2);
        Assert.Equal(HealthCheckStatus.Healthy, report.Status);
    }

    private static List<string> Ids(int count) => [.. Enumerable.Range(1, count).Select(i => $"plugin-{i:000}")];
}
