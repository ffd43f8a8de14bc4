using Fabrix.Core.Registry.Outbox;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Creates the anchor stream and signs a checkpoint of the audit chain at start-up, then every
/// <see cref="AuditOptions.CheckpointInterval"/> (on the injected clock), when the head or the signing key moved.
/// Checkpoints themselves are not audited: an audit row per checkpoint would move the head and make every tick write
/// one. A refusal to sign (the head does not extend the last signed checkpoint) turns <see cref="AuditChainHealth"/>
/// Degraded; a failed attempt (database or NATS unreachable) is logged and reported under background work; the loop
/// goes on.
/// </summary>
internal sealed partial class AuditCheckpointService(
    AuditCheckpoints checkpoints,
    TimeProvider timeProvider,
    IOptions<AuditOptions> options,
    BackgroundWorkHealth health,
    AuditChainHealth chainHealth,
    ILogger<AuditCheckpointService> logger) : BackgroundService
{
    public const string WorkName = "audit-checkpoints";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogRetention(logger, options.Value.Retention.TotalDays);
        await CheckpointSafelyAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckpointSafelyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckpointSafelyAsync(CancellationToken stoppingToken)
    {
        try
        {
            var attempt = await checkpoints.WriteIfMovedAsync(stoppingToken);
            if (attempt.Outcome == CheckpointOutcome.ChainBroken)
            {
                chainHealth.Broken(attempt.Problem!);
            }
            else
            {
                chainHealth.Extends();
            }

            health.Succeeded(WorkName);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogCheckpointFailed(logger, exception);
            health.Failed(WorkName, exception);
        }
    }

    [LoggerMessage(EventId = 1512, Level = LogLevel.Error, Message = "Writing an audit checkpoint failed; will retry")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1513, Level = LogLevel.Information, Message = "Audit rows are kept at least {RetentionDays} days; the registry deletes none")]
    private static partial void LogRetention(ILogger logger, double retentionDays);
}
