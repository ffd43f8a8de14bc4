using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Health;

namespace Fabrix.Benchmarks;

/// <summary>
/// <see cref="IHealthStore"/> that serves the benchmark's plugins as active targets and counts what the monitor records
/// inside the measured window: polls, failures, per-plugin counts and probe durations. In memory on purpose: the
/// benchmark measures the loop and the probes, not PostgreSQL.
/// </summary>
internal sealed class CountingHealthStore(PluginHealthServer server) : IHealthStore, IHealthPublisher
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perPlugin = new(StringComparer.Ordinal);
    private readonly List<double> _durationsMs = [];
    private DateTimeOffset _windowStart = DateTimeOffset.MaxValue;
    private DateTimeOffset _windowEnd = DateTimeOffset.MaxValue;
    private long _failures;
    private long _transitions;

    public long Failures => Interlocked.Read(ref _failures);

    public long Transitions => Interlocked.Read(ref _transitions);

    public void OpenWindow(DateTimeOffset start) => _windowStart = start;

    public void CloseWindow(DateTimeOffset end) => _windowEnd = end;

    public (long Polls, IReadOnlyList<double> DurationsMs, int MinPerPlugin, int MaxPerPlugin) Measured()
    {
        lock (_lock)
        {
            var counts = server.PluginIds.Select(id => _perPlugin.GetValueOrDefault(id)).ToList();
            return (_durationsMs.Count, [.. _durationsMs], counts.Min(), counts.Max());
        }
    }

    public Task<IReadOnlyList<HealthTarget>> LoadTargetsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HealthTarget>>([.. server.PluginIds.Select(id => new HealthTarget(
            id,
            server.Address.ToString(),
            new ManifestHealthCheck("http", server.Address.Port, $"/health/{id}"),
            HealthStatus.Unknown,
            null))]);

    public Task RecordAsync(HealthObservation observation, CancellationToken cancellationToken)
    {
        var sample = observation.Sample;
        if (!sample.Success)
        {
            Interlocked.Increment(ref _failures);
        }

        if (sample.At >= _windowStart && sample.At < _windowEnd)
        {
            lock (_lock)
            {
                _perPlugin[sample.PluginId] = _perPlugin.GetValueOrDefault(sample.PluginId) + 1;
                _durationsMs.Add(sample.Duration?.TotalMilliseconds ?? 0);
            }
        }

        return Task.CompletedTask;
    }

    public Task<long> PruneHistoryAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => Task.FromResult(0L);

    public Task PublishAsync(HealthTransition transition, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _transitions);
        return Task.CompletedTask;
    }
}
