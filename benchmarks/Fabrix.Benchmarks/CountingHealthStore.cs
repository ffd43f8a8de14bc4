using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Health;

namespace Fabrix.Benchmarks;

/// <summary>
/// <see cref="IHealthStore"/> for <c>--store memory</c>: serves the benchmark's plugins as active targets and hands
/// what the monitor records to the <see cref="HealthPollCounter"/>. In memory on purpose: this mode measures the loop
/// and the probes, not PostgreSQL (<see cref="CountingPostgresHealthStore"/> measures that).
/// </summary>
internal sealed class CountingHealthStore(PluginHealthServer server, HealthPollCounter counter) : IHealthStore
{
    public Task<IReadOnlyList<HealthTarget>> LoadTargetsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HealthTarget>>([.. server.PluginIds.Select(id => new HealthTarget(
            id,
            server.Address.ToString(),
            new ManifestHealthCheck("http", server.Address.Port, $"/health/{id}"),
            HealthStatus.Unknown,
            null))]);

    public Task RecordAsync(HealthObservation observation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        counter.Count(observation);
        return Task.CompletedTask;
    }

    public Task<long> PruneHistoryAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => Task.FromResult(0L);
}
