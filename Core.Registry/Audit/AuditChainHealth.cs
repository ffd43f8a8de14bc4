using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// The <c>audit-chain</c> entry of <c>/health</c>: Degraded while the registry refuses to sign a checkpoint because the
/// head does not extend the last checkpoint it signed (issue 7 section 2), with the problem in words; Healthy otherwise.
/// A checkpoint attempt that merely failed (database or NATS unreachable) is not tampering and leaves this as it was;
/// it shows under <c>background-work</c>.
/// </summary>
internal sealed class AuditChainHealth(TimeProvider timeProvider) : IHealthCheck
{
    private volatile State _state = new(null, null);

    public string? Problem => _state.Problem;

    public void Extends() => _state = new(null, timeProvider.GetUtcNow());

    public void Broken(string problem) => _state = new(problem, timeProvider.GetUtcNow());

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = _state;
        return Task.FromResult(state switch
        {
            { Problem: { } problem } => HealthCheckResult.Degraded($"The registry refuses to sign audit checkpoints: {problem}. Run fabrix audit verify."),
            { At: { } at } => HealthCheckResult.Healthy($"the audit chain extended the last signed checkpoint at {at:O}"),
            _ => HealthCheckResult.Healthy("no checkpoint attempt yet"),
        });
    }

    private sealed record State(string? Problem, DateTimeOffset? At);
}
