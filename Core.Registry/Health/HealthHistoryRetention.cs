using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// Bounds the health history (issue 3 §1 "history kept, bounded by a retention setting"): once at start-up and then
/// hourly, deletes samples and transitions older than <c>HistoryRetention</c>. Audit rows are not touched; they have
/// their own, longer retention.
/// </summary>
internal sealed partial class HealthHistoryRetention(
    IHealthStore store,
    IOptions<HealthOptions> options,
    TimeProvider timeProvider,
    HealthMonitorLiveness liveness,
    ILogger<HealthHistoryRetention> logger) : BackgroundService
{
    /// <summary>History is kept for days; pruning more often than hourly would only add load.</summary>
    internal static readonly TimeSpan Period = TimeSpan.FromHours(1);

    /// <summary>Deletes what is older than the retention; returns how many rows went.</summary>
    internal async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - options.Value.HistoryRetention;
        var pruned = await store.PruneHistoryAsync(cutoff, cancellationToken);
        if (pruned > 0)
        {
            LogPruned(logger, pruned, cutoff);
        }

        return pruned;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, timeProvider);
        try
        {
            do
            {
                try
                {
                    await PruneAsync(stoppingToken);
                    liveness.PruneSucceeded();
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogPruneFailed(logger, exception);
                    liveness.PruneFailed(timeProvider.GetUtcNow(), exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1320, Level = LogLevel.Information, Message = "Pruned {Count} health history rows older than {Cutoff}")]
    private static partial void LogPruned(ILogger logger, long count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 1321, Level = LogLevel.Warning, Message = "Pruning the health history failed; will retry")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
