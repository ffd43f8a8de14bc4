namespace Fabrix.Core.Registry.Health;

/// <summary>
/// Persistence the health monitor needs; the registry implements it on PostgreSQL. The monitor keeps the live counters
/// in memory and treats the store as the record that survives a restart.
/// </summary>
internal interface IHealthStore
{
    /// <summary>
    /// Every plugin to monitor — each <c>active</c> plugin: by its <c>health_check</c>, or by heartbeats when it
    /// declares none — with its persisted <see cref="HealthStatus"/> (<see cref="HealthStatus.Unknown"/> when it has
    /// none yet) and last heartbeat. Called at start-up and every <c>TargetRefreshInterval</c>.
    /// </summary>
    Task<IReadOnlyList<HealthTarget>> LoadTargetsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Persists one observation atomically: the sample with its metrics, the plugin's new status and counters, and,
    /// when <see cref="HealthObservation.Transition"/> is set, the transition with its audit row (and, if the store
    /// uses an outbox, the <c>fabrix.plugin.&lt;id&gt;.health</c> event). When this throws, the monitor keeps the
    /// previous status, so the next observation decides the transition again.
    /// </summary>
    Task RecordAsync(HealthObservation observation, CancellationToken cancellationToken);

    /// <summary>Deletes samples and transitions recorded before <paramref name="cutoff"/>; returns how many rows went.</summary>
    Task<long> PruneHistoryAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}

/// <summary>
/// Announces a health transition after <see cref="IHealthStore.RecordAsync"/> committed it: to the registry's watch
/// stream, and to NATS <c>fabrix.plugin.&lt;id&gt;.health</c> unless the store already wrote it to the outbox. A
/// failure is logged; the transition stays recorded.
/// </summary>
internal interface IHealthPublisher
{
    Task PublishAsync(HealthTransition transition, CancellationToken cancellationToken);
}
