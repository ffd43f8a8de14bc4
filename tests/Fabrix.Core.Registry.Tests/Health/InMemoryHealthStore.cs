using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Health;

namespace Fabrix.Core.Registry.Tests.Health;

/// <summary>
/// <see cref="IHealthStore"/> in memory for unit tests of the monitor (the PostgreSQL store has its own integration
/// tests): targets are set by the test, observations are kept in order, and each recorded status becomes the
/// target's persisted status, as a real store's would.
/// </summary>
internal sealed class InMemoryHealthStore : IHealthStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HealthTarget> _targets = new(StringComparer.Ordinal);
    private readonly List<HealthObservation> _observations = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public InMemoryHealthStore(IEnumerable<HealthTarget>? targets = null)
    {
        foreach (var target in targets ?? [])
        {
            _targets[target.PluginId] = target;
        }
    }

    /// <summary>The next this many <see cref="RecordAsync"/> calls throw, as a database outage would.</summary>
    public int FailingRecords { get; set; }

    /// <summary>When set, <see cref="LoadTargetsAsync"/> throws it.</summary>
    public Exception? LoadFailure { get; set; }

    public int Loads { get; private set; }

    public DateTimeOffset? PrunedBefore { get; private set; }

    /// <summary>Completes when the monitor first loaded its targets (its loop is running).</summary>
    public Task FirstLoad => _firstLoad.Task;

    public IReadOnlyList<HealthObservation> Observations
    {
        get
        {
            lock (_lock)
            {
                return [.. _observations];
            }
        }
    }

    public IReadOnlyList<HealthTransition> Transitions => [.. Observations.Where(o => o.Transition is not null).Select(o => o.Transition!)];

    public static HealthTarget HttpTarget(string pluginId, HealthStatus? status = null, int port = 8000) =>
        new(pluginId, "http://127.0.0.1:5300", new ManifestHealthCheck("http", port, $"/health/{pluginId}"), status ?? HealthStatus.Unknown, null);

    public static HealthTarget HeartbeatTarget(string pluginId, HealthStatus? status = null, DateTimeOffset? lastHeartbeatAt = null) =>
        new(pluginId, "http://127.0.0.1:5300", null, status ?? HealthStatus.Unknown, lastHeartbeatAt);

    public void Set(HealthTarget target)
    {
        lock (_lock)
        {
            _targets[target.PluginId] = target;
        }
    }

    public void Remove(string pluginId)
    {
        lock (_lock)
        {
            _targets.Remove(pluginId);
        }
    }

    public HealthStatus StatusOf(string pluginId)
    {
        lock (_lock)
        {
            return _targets[pluginId].Status;
        }
    }

    public IReadOnlyList<HealthObservation> ObservationsOf(string pluginId) => [.. Observations.Where(o => o.Sample.PluginId == pluginId)];

    public void ClearObservations()
    {
        lock (_lock)
        {
            _observations.Clear();
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> observations are recorded.</summary>
    public Task WhenRecordedAsync(int count)
    {
        lock (_lock)
        {
            if (_observations.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task;
        }
    }

    public Task<IReadOnlyList<HealthTarget>> LoadTargetsAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Loads++;
            _firstLoad.TrySetResult();
            if (LoadFailure is { } failure)
            {
                return Task.FromException<IReadOnlyList<HealthTarget>>(failure);
            }

            return Task.FromResult<IReadOnlyList<HealthTarget>>([.. _targets.Values]);
        }
    }

    public Task RecordAsync(HealthObservation observation, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (FailingRecords > 0)
            {
                FailingRecords--;
                return Task.FromException(new InvalidOperationException("the store is down"));
            }

            _observations.Add(observation);
            if (_targets.TryGetValue(observation.Sample.PluginId, out var target))
            {
                _targets[target.PluginId] = target with { Status = observation.Status };
            }

            foreach (var waiter in _waiters.Where(w => _observations.Count >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }

            return Task.CompletedTask;
        }
    }

    public Task<long> PruneHistoryAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            PrunedBefore = cutoff;
            return Task.FromResult((long)_observations.RemoveAll(o => o.Sample.At < cutoff));
        }
    }
}

/// <summary><see cref="IHealthPublisher"/> that keeps what it was given, in order.</summary>
internal sealed class RecordingHealthPublisher : IHealthPublisher
{
    private readonly Lock _lock = new();
    private readonly List<HealthTransition> _published = [];

    public bool Fail { get; set; }

    public IReadOnlyList<HealthTransition> Published
    {
        get
        {
            lock (_lock)
            {
                return [.. _published];
            }
        }
    }

    public Task PublishAsync(HealthTransition transition, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            return Task.FromException(new InvalidOperationException("NATS is down"));
        }

        lock (_lock)
        {
            _published.Add(transition);
        }

        return Task.CompletedTask;
    }
}
