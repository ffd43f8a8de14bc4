using Fabrix.Core.Registry.BackgroundWork;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// Bounds the health history (issue 3 §1 "history kept, bounded by a retention setting"): once at start-up and then
/// hourly, deletes samples and transitions older than <c>HistoryRetention</c>. Audit rows are not touched; they have
/// their own, longer retention. A failed pruning is logged and reported under background work, and the next one runs
/// on schedule (<see cref="PeriodicWork"/>).
/// </summary>
internal sealed partial class HealthHistoryRetention(
    IHealthStore store,
    IOptions<HealthOptions> options,
    TimeProvider timeProvider,
    BackgroundWorkHealth health,
    ILogger<HealthHistoryRetention> logger) : PeriodicWork("health-history-retention", timeProvider, health, logger)
{
    /// <summary>History is kept for days; pruning more often than hourly would only add load.</summary>
    internal static readonly TimeSpan PrunePeriod = TimeSpan.FromHours(1);

    protected override TimeSpan Period => PrunePeriod;

    /// <summary>Deletes what is older than the retention; returns how many rows went.</summary>
    internal async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = Clock.GetUtcNow() - options.Value.HistoryRetention;
        var pruned = await store.PruneHistoryAsync(cutoff, cancellationToken);
        if (pruned > 0)
        {
            LogPruned(Logger, pruned, cutoff);
        }

        return pruned;
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => PruneAsync(cancellationToken);

    [LoggerMessage(EventId = 1320, Level = LogLevel.Information, Message = "Pruned {Count} health history rows older than {Cutoff}")]
    private static partial void LogPruned(ILogger logger, long count, DateTimeOffset cutoff);
}
