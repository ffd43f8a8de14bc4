using Fabrix.Core.Registry.BackgroundWork;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Creates the anchor stream and signs a checkpoint of the audit chain at start-up, then every
/// <see cref="AuditOptions.CheckpointInterval"/> (on the injected clock), when the head or the signing key moved.
/// Checkpoints themselves are not audited: an audit row per checkpoint would move the head and make every tick write
/// one. A refusal to sign (the head does not extend the last signed checkpoint) turns <see cref="AuditChainHealth"/>
/// Degraded; a failed attempt (database or NATS unreachable) is logged and reported under background work, and the
/// next one runs on schedule (<see cref="PeriodicWork"/>).
/// </summary>
internal sealed partial class AuditCheckpointService(
    AuditCheckpoints checkpoints,
    TimeProvider timeProvider,
    IOptions<AuditOptions> options,
    BackgroundWorkHealth health,
    AuditChainHealth chainHealth,
    ILogger<AuditCheckpointService> logger) : PeriodicWork("audit-checkpoints", timeProvider, health, logger)
{
    protected override TimeSpan Period => options.Value.CheckpointInterval;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogRetention(Logger, options.Value.Retention.TotalDays);
        return base.ExecuteAsync(stoppingToken);
    }

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var attempt = await checkpoints.WriteIfMovedAsync(cancellationToken);
        if (attempt.Outcome == CheckpointOutcome.ChainBroken)
        {
            chainHealth.Broken(attempt.Problem!);
        }
        else
        {
            chainHealth.Extends();
        }
    }

    [LoggerMessage(EventId = 1513, Level = LogLevel.Information, Message = "Audit rows are kept at least {RetentionDays} days; the registry deletes none")]
    private static partial void LogRetention(ILogger logger, double retentionDays);
}
