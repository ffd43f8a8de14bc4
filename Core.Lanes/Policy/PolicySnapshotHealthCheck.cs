using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fabrix.Core.Lanes.Policy;

/// <summary>
/// Readiness of a lane (issue 9): Unhealthy until the first policy snapshot arrives and whenever it is older than
/// <c>StaleAfter</c>, because the lane then refuses everything; the data carry the revision and the staleness.
/// </summary>
internal sealed class PolicySnapshotHealthCheck(PolicySnapshotClient client) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var view = client.Current;
        if (view.Snapshot is not { } snapshot)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("No policy snapshot yet: the lane refuses everything."));
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["revision"] = snapshot.Revision,
            ["staleness_seconds"] = Math.Round(view.Staleness!.Value.TotalSeconds, 3),
        };
        return Task.FromResult(view.IsUsable
            ? HealthCheckResult.Healthy($"policy revision {snapshot.Revision}", data)
            : HealthCheckResult.Unhealthy($"The policy snapshot (revision {snapshot.Revision}) is stale ({view.Staleness.Value.TotalSeconds:F0} s): the lane refuses everything.", data: data));
    }
}
