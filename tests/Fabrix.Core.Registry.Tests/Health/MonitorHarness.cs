using Fabrix.Core.Registry.Health;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Registry.Tests.Health;

/// <summary>A real <see cref="HealthMonitor"/> on fake time, an in-memory store and a scripted probe, driven tick by tick.</summary>
internal sealed class MonitorHarness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public MonitorHarness(InMemoryHealthStore store, HealthOptions? options = null, FakeTimeProvider? time = null, int seed = 17)
    {
        Store = store;
        Time = time ?? new FakeTimeProvider(Start);
        Options = options ?? new HealthOptions { Jitter = 0 };
        var wrapped = Microsoft.Extensions.Options.Options.Create(Options);
        Liveness = new HealthMonitorLiveness(Time, wrapped);
        Monitor = new HealthMonitor(Store, Publisher, Probe, new HealthSchedule(new Random(seed)), wrapped, Time, Liveness, new SingleInstanceLeadership(), NullLogger<HealthMonitor>.Instance);
    }

    private DateTimeOffset _lastHeartbeatAt = DateTimeOffset.MinValue;

    public InMemoryHealthStore Store { get; }

    public RecordingHealthPublisher Publisher { get; } = new();

    public ScriptedProbe Probe { get; } = new();

    public FakeTimeProvider Time { get; }

    public HealthOptions Options { get; }

    public HealthMonitorLiveness Liveness { get; }

    public HealthMonitor Monitor { get; }

    /// <summary>
    /// A heartbeat the registry stored now: times strictly increase, as stored times of distinct heartbeats do, even
    /// when fake time has not moved between two.
    /// </summary>
    public Task<HealthState?> HeartbeatAsync(string pluginId, IReadOnlyDictionary<string, double> metrics)
    {
        var at = Time.GetUtcNow();
        if (at <= _lastHeartbeatAt)
        {
            at = _lastHeartbeatAt.AddTicks(10);
        }

        _lastHeartbeatAt = at;
        return Monitor.HeartbeatReceivedAsync(pluginId, at, metrics, TestContext.Current.CancellationToken);
    }

    /// <summary>Runs one tick and waits until every probe it started is recorded.</summary>
    public async Task TickAsync()
    {
        await Monitor.RunTickAsync(TestContext.Current.CancellationToken);
        await Monitor.WhenProbesCompleteAsync();
    }

    /// <summary>Advances fake time by <paramref name="step"/> and ticks, <paramref name="count"/> times.</summary>
    public async Task AdvanceAsync(TimeSpan step, int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            Time.Advance(step);
            await TickAsync();
        }
    }

    /// <summary>Advances fake time and ticks, without waiting for the probes it starts.</summary>
    public async Task AdvanceWithoutWaitingAsync(TimeSpan step)
    {
        Time.Advance(step);
        await Monitor.RunTickAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose() => Monitor.Dispose();
}
