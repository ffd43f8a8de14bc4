using System.Diagnostics;
using Fabrix.Core.Registry.Health;

namespace Fabrix.Benchmarks;

/// <summary>
/// <see cref="IHealthStore"/> for <c>--store postgres</c>: the registry's real <see cref="HealthStore"/>, with every
/// observation it committed counted (and timed) by the <see cref="HealthPollCounter"/>, the way
/// <see cref="CountingHealthStore"/> counts in memory, so the achieved poll rate is computed the same way in both modes.
/// An observation the store throws on is counted as a record failure and the exception goes on to the monitor.
/// </summary>
internal sealed class CountingPostgresHealthStore(HealthStore store, HealthPollCounter counter) : IHealthStore
{
    public Task<IReadOnlyList<HealthTarget>> LoadTargetsAsync(CancellationToken cancellationToken) =>
        store.LoadTargetsAsync(cancellationToken);

    public async Task RecordAsync(HealthObservation observation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await store.RecordAsync(observation, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            counter.CountRecordFailure();
            throw;
        }

        counter.Count(observation, Stopwatch.GetElapsedTime(started));
    }

    public Task<long> PruneHistoryAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        store.PruneHistoryAsync(cutoff, cancellationToken);
}
