using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fabrix.Core.Lanes.Audit;

/// <summary>
/// The <c>decision-audit</c> health entry: Unhealthy while the buffer is full (a fail-closed lane is refusing requests),
/// Degraded while publishes fail or within a minute of the buffer being full, Healthy otherwise. The data carries the counts.
/// </summary>
internal sealed class DecisionAuditHealthCheck(DecisionAuditWriter writer, DecisionAuditPublisher publisher, DecisionAuditMetrics metrics, TimeProvider timeProvider)
    : IHealthCheck
{
    /// <summary>How long a full buffer keeps the entry Degraded after it drained.</summary>
    public static readonly TimeSpan FullMemory = TimeSpan.FromMinutes(1);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["buffered"] = writer.Buffered,
            ["capacity"] = writer.Capacity,
            ["published"] = metrics.PublishedTotal,
            ["dropped"] = metrics.DroppedTotal,
            ["refused"] = metrics.RefusedTotal,
            ["publish_failures"] = metrics.PublishFailuresTotal,
        };
        if (publisher.LastError is { } error)
        {
            data["last_error"] = error;
        }

        HealthCheckResult result;
        if (writer.Buffered >= writer.Capacity)
        {
            result = HealthCheckResult.Unhealthy($"audit buffer full ({writer.Buffered} records): fail-closed lanes refuse requests, others drop records", data: data);
        }
        else if (publisher.Failing)
        {
            result = HealthCheckResult.Degraded($"publishing decision records fails ({writer.Buffered} buffered): {publisher.LastError}", data: data);
        }
        else if (writer.LastFullAt is { } full && timeProvider.GetUtcNow() - full < FullMemory)
        {
            result = HealthCheckResult.Degraded($"the audit buffer was full at {full:O}: {metrics.DroppedTotal} record(s) dropped and {metrics.RefusedTotal} request(s) refused since start", data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy($"{writer.Buffered} record(s) buffered", data);
        }

        return Task.FromResult(result);
    }
}
