using Fabrix.Core.Registry.Health;

namespace Fabrix.Benchmarks;

/// <summary>
/// Counts what the monitor recorded: every observation, and inside the measured window (by the sample's start time)
/// polls per plugin and probe durations; failed probes; observations the store refused; transitions.
/// Also the benchmark's <see cref="IHealthPublisher"/>: it does nothing but count transitions. That is honest here
/// because the registry's publisher only tells the <c>WatchPlugins</c> stream (after reading the plugin back), and
/// in the benchmark that stream has no subscribers; the NATS event itself is an outbox row the PostgreSQL store
/// writes in the observation's transaction, so that cost is measured.
/// </summary>
internal sealed class HealthPollCounter(IReadOnlyList<string> pluginIds) : IHealthPublisher
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perPlugin = new(StringComparer.Ordinal);
    private readonly List<double> _durationsMs = [];
    private readonly List<double> _recordDurationsMs = [];
    private readonly List<double> _transitionRecordDurationsMs = [];

    // UTC ticks, read from the probes' threads while the benchmark moves them: a long is read atomically.
    private long _windowStart = DateTimeOffset.MaxValue.UtcTicks;
    private long _windowEnd = DateTimeOffset.MaxValue.UtcTicks;
    private long _recorded;
    private long _failures;
    private long _recordFailures;
    private long _transitions;
    private long _transitionsInWindow;

    /// <summary>Observations recorded, window or not.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Recorded samples that were failed probes.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Observations the store threw on (the monitor logs them and keeps the previous status).</summary>
    public long RecordFailures => Interlocked.Read(ref _recordFailures);

    public long Transitions => Interlocked.Read(ref _transitions);

    public long TransitionsInWindow => Interlocked.Read(ref _transitionsInWindow);

    public void OpenWindow(DateTimeOffset start) => Interlocked.Exchange(ref _windowStart, start.UtcTicks);

    public void CloseWindow(DateTimeOffset end) => Interlocked.Exchange(ref _windowEnd, end.UtcTicks);

    /// <summary>Polls and probe durations inside the window, with the fewest and most polls of one plugin.</summary>
    public (long Polls, IReadOnlyList<double> DurationsMs, int MinPerPlugin, int MaxPerPlugin) Measured()
    {
        lock (_lock)
        {
            var counts = pluginIds.Select(id => _perPlugin.GetValueOrDefault(id)).ToList();
            return (_durationsMs.Count, [.. _durationsMs], counts.Min(), counts.Max());
        }
    }

    /// <summary>
    /// How long the store took to record the observations inside the window (when it was timed): those without a
    /// transition (the sample and the plugin's counters) and those with one (also the transition, its audit row under
    /// the audit chain's lock, and the outbox rows).
    /// </summary>
    public (IReadOnlyList<double> PlainMs, IReadOnlyList<double> TransitionMs) RecordDurationsMs()
    {
        lock (_lock)
        {
            return ([.. _recordDurationsMs], [.. _transitionRecordDurationsMs]);
        }
    }

    /// <summary>Counts an observation the store recorded; <paramref name="recordDuration"/> is how long that took.</summary>
    public void Count(HealthObservation observation, TimeSpan? recordDuration = null)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var sample = observation.Sample;
        Interlocked.Increment(ref _recorded);
        if (!sample.Success)
        {
            Interlocked.Increment(ref _failures);
        }

        if (InWindow(sample.At))
        {
            lock (_lock)
            {
                _perPlugin[sample.PluginId] = _perPlugin.GetValueOrDefault(sample.PluginId) + 1;
                _durationsMs.Add(sample.Duration?.TotalMilliseconds ?? 0);
                if (recordDuration is { } recorded)
                {
                    (observation.Transition is null ? _recordDurationsMs : _transitionRecordDurationsMs).Add(recorded.TotalMilliseconds);
                }
            }
        }
    }

    public void CountRecordFailure() => Interlocked.Increment(ref _recordFailures);

    public Task PublishAsync(HealthTransition transition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transition);
        Interlocked.Increment(ref _transitions);
        if (InWindow(transition.At))
        {
            Interlocked.Increment(ref _transitionsInWindow);
        }

        return Task.CompletedTask;
    }

    private bool InWindow(DateTimeOffset at) =>
        at.UtcTicks >= Interlocked.Read(ref _windowStart) && at.UtcTicks < Interlocked.Read(ref _windowEnd);
}
