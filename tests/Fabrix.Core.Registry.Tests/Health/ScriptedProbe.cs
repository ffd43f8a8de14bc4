using Fabrix.Core.Registry.Health;

namespace Fabrix.Core.Registry.Tests.Health;

/// <summary>
/// <see cref="IHealthProbe"/> whose answers the test decides: per plugin (the last path segment of the probe URL)
/// a script of outcomes ('S' success, 'F' failure; the last one repeats), success when none. Counts calls and the
/// most probes in flight at once; <see cref="Hold"/> keeps every probe in flight until <see cref="Release"/>.
/// </summary>
internal sealed class ScriptedProbe : IHealthProbe
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<char>> _scripts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, char> _last = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly List<(int Count, TaskCompletionSource Signal)> _concurrencyWaiters = [];
    private TaskCompletionSource? _hold;
    private int _current;

    public int MaxConcurrent { get; private set; }

    public int TotalCalls
    {
        get
        {
            lock (_lock)
            {
                return _calls.Values.Sum();
            }
        }
    }

    public static string PluginOf(HealthProbeSpec spec) => spec.Endpoint.Segments[^1];

    public void Script(string pluginId, string outcomes)
    {
        lock (_lock)
        {
            _scripts[pluginId] = new Queue<char>(outcomes);
        }
    }

    public int CallsOf(string pluginId)
    {
        lock (_lock)
        {
            return _calls.GetValueOrDefault(pluginId);
        }
    }

    public IReadOnlyDictionary<string, int> Calls()
    {
        lock (_lock)
        {
            return new Dictionary<string, int>(_calls, StringComparer.Ordinal);
        }
    }

    public void ResetCalls()
    {
        lock (_lock)
        {
            _calls.Clear();
        }
    }

    public void Hold()
    {
        lock (_lock)
        {
            _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            _hold?.TrySetResult();
            _hold = null;
        }
    }

    /// <summary>Completes once <paramref name="count"/> probes are in flight at the same time.</summary>
    public Task WhenConcurrentAsync(int count)
    {
        lock (_lock)
        {
            if (_current >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _concurrencyWaiters.Add((count, signal));
            return signal.Task;
        }
    }

    public async Task<HealthProbeResult> ProbeAsync(HealthProbeSpec spec, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pluginId = PluginOf(spec);
        char outcome;
        Task? hold;
        lock (_lock)
        {
            _calls[pluginId] = _calls.GetValueOrDefault(pluginId) + 1;
            _current++;
            MaxConcurrent = Math.Max(MaxConcurrent, _current);
            foreach (var waiter in _concurrencyWaiters.Where(w => _current >= w.Count).ToList())
            {
                _concurrencyWaiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }

            if (_scripts.TryGetValue(pluginId, out var script) && script.Count > 0)
            {
                _last[pluginId] = script.Dequeue();
            }

            outcome = _last.GetValueOrDefault(pluginId, 'S');
            hold = _hold?.Task;
        }

        try
        {
            if (hold is not null)
            {
                await hold.WaitAsync(cancellationToken);
            }

            return outcome == 'S'
                ? new HealthProbeResult(true, TimeSpan.FromMilliseconds(3), "HTTP 200", new Dictionary<string, double> { ["uptime_seconds"] = 1 })
                : HealthProbeResult.Failed(TimeSpan.FromMilliseconds(3), "HTTP 500");
        }
        finally
        {
            lock (_lock)
            {
                _current--;
            }
        }
    }
}
