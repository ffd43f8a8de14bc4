namespace Fabrix.Core.Registry.Health;

/// <summary>A plugin's health and the run of identical outcomes that led to it; persisted so a restart resumes the count.</summary>
internal sealed record HealthStatus(HealthState State, int ConsecutiveFailures, int ConsecutiveSuccesses)
{
    /// <summary>Where every plugin starts (issue 3: "A plugin starts unknown").</summary>
    public static HealthStatus Unknown { get; } = new(HealthState.Unknown, 0, 0);
}

/// <summary>What was observed about a plugin.</summary>
internal enum HealthSignal
{
    /// <summary>A probe answered healthy, or a heartbeat arrived from a plugin that relies on heartbeats.</summary>
    Success,

    /// <summary>A probe failed: wrong status, not serving, refused, or no answer within the timeout.</summary>
    Failure,

    /// <summary>A plugin that relies on heartbeats sent none within its TTL.</summary>
    HeartbeatExpired,
}

/// <summary>The outcome of one <see cref="HealthStateMachine.Apply"/>: the status before and after.</summary>
internal readonly record struct HealthEvaluation(HealthStatus Previous, HealthStatus Next)
{
    /// <summary>True when the state changed (not merely the counters).</summary>
    public bool Transitioned => Previous.State != Next.State;
}

/// <summary>
/// The health state machine of issue 3 §1, pure and deterministic: a signal and the policy's thresholds give a
/// verdict, and the table below maps (current state, verdict) to the next state.
/// <list type="bullet">
/// <item>Failures: <c>DegradedAfterFailures</c> consecutive (default 1) → degraded; <c>UnhealthyAfterFailures</c>
/// consecutive (default 3) → unhealthy. A failure never improves a state: an unhealthy plugin that fails again after
/// a lone success stays unhealthy.</item>
/// <item>Successes: <c>HealthyAfterSuccesses</c> consecutive (default 2) → healthy, from any state. Fewer keep the
/// current state — including <c>unknown</c>: a single success from <c>unknown</c> does not make a plugin healthy,
/// because issue 3 makes two consecutive successes the only way to <c>healthy</c> and one good answer right after
/// start-up proves little. With the defaults a new plugin is therefore healthy after its second probe (one
/// interval), or degraded right after its first failure.</item>
/// <item>An expired heartbeat → unhealthy at once (issue 3: "a missing heartbeat past its TTL → unhealthy").</item>
/// </list>
/// Any signal resets the opposite counter, so "consecutive" means what it says.
/// </summary>
internal static class HealthStateMachine
{
    /// <summary>Counters stop here; a run this long already decided every threshold (at most 100).</summary>
    private const int CounterCeiling = 1_000_000;

    private enum Verdict
    {
        /// <summary>No threshold reached: keep the state.</summary>
        Hold,
        Healthy,
        Degraded,
        Unhealthy,
    }

    public static HealthEvaluation Apply(HealthStatus current, HealthSignal signal, HealthPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(policy);

        var (failures, successes) = signal switch
        {
            HealthSignal.Success => (0, Math.Min(current.ConsecutiveSuccesses + 1, CounterCeiling)),
            HealthSignal.Failure => (Math.Min(current.ConsecutiveFailures + 1, CounterCeiling), 0),
            HealthSignal.HeartbeatExpired => (Math.Max(current.ConsecutiveFailures, policy.UnhealthyAfterFailures), 0),
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "Unknown health signal."),
        };

        var verdict = signal switch
        {
            HealthSignal.HeartbeatExpired => Verdict.Unhealthy,
            HealthSignal.Failure when failures >= policy.UnhealthyAfterFailures => Verdict.Unhealthy,
            HealthSignal.Failure when failures >= policy.DegradedAfterFailures => Verdict.Degraded,
            HealthSignal.Success when successes >= policy.HealthyAfterSuccesses => Verdict.Healthy,
            _ => Verdict.Hold,
        };

        return new HealthEvaluation(current, new HealthStatus(Next(current.State, verdict), failures, successes));
    }

    private static HealthState Next(HealthState state, Verdict verdict) => (state, verdict) switch
    {
        // current state          verdict               next state
        (HealthState.Unknown, Verdict.Hold) => HealthState.Unknown,
        (HealthState.Unknown, Verdict.Healthy) => HealthState.Healthy,
        (HealthState.Unknown, Verdict.Degraded) => HealthState.Degraded,
        (HealthState.Unknown, Verdict.Unhealthy) => HealthState.Unhealthy,

        (HealthState.Healthy, Verdict.Hold) => HealthState.Healthy,
        (HealthState.Healthy, Verdict.Healthy) => HealthState.Healthy,
        (HealthState.Healthy, Verdict.Degraded) => HealthState.Degraded,
        (HealthState.Healthy, Verdict.Unhealthy) => HealthState.Unhealthy,

        (HealthState.Degraded, Verdict.Hold) => HealthState.Degraded,
        (HealthState.Degraded, Verdict.Healthy) => HealthState.Healthy,
        (HealthState.Degraded, Verdict.Degraded) => HealthState.Degraded,
        (HealthState.Degraded, Verdict.Unhealthy) => HealthState.Unhealthy,

        (HealthState.Unhealthy, Verdict.Hold) => HealthState.Unhealthy,
        (HealthState.Unhealthy, Verdict.Healthy) => HealthState.Healthy,
        (HealthState.Unhealthy, Verdict.Degraded) => HealthState.Unhealthy,
        (HealthState.Unhealthy, Verdict.Unhealthy) => HealthState.Unhealthy,

        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown health state."),
    };
}
