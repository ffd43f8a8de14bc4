namespace Fabrix.Core.Registry.Health;

/// <summary>
/// The monitor's live record of one plugin. <see cref="Status"/> and <see cref="LastHeartbeatAt"/> change only while
/// <see cref="Gate"/> is held, so probes, heartbeats and TTL checks of one plugin are applied and recorded one at a
/// time, in order. Target, policy and probe are replaced as a whole by the loop's refresh and read as snapshots.
/// </summary>
internal sealed class MonitoredPlugin
{
    private int _probing;
    private volatile bool _removed;

    public MonitoredPlugin(HealthTarget target, HealthPolicy policy, DateTimeOffset watchedSince)
    {
        PluginId = target.PluginId;
        Status = target.Status;
        LastHeartbeatAt = target.LastHeartbeatAt;
        WatchedSince = watchedSince;
        Update(target, policy);
    }

    public string PluginId { get; }

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public HealthTarget Target { get; private set; } = null!;

    public HealthPolicy Policy { get; private set; } = null!;

    /// <summary>Where to probe; null for a plugin that relies on heartbeats or whose probe cannot be built.</summary>
    public HealthProbeSpec? Probe { get; private set; }

    /// <summary>Why <see cref="Probe"/> is null although the plugin declares a <c>health_check</c>.</summary>
    public string? ProbeProblem { get; private set; }

    public HealthStatus Status { get; set; }

    public DateTimeOffset? LastHeartbeatAt { get; set; }

    /// <summary>When this process started watching the plugin: the TTL of a silent plugin counts from here at the earliest.</summary>
    public DateTimeOffset WatchedSince { get; }

    /// <summary>When the next probe is due; read and written by the loop only.</summary>
    public DateTimeOffset NextDueAt { get; set; }

    public bool Removed => _removed;

    public bool IsProbing => Volatile.Read(ref _probing) == 1;

    /// <summary>Takes the new target and policy; true when the way to probe it changed.</summary>
    public bool Update(HealthTarget target, HealthPolicy policy)
    {
        var previous = Probe;
        var previousTarget = Target;
        Target = target;
        Policy = policy;
        if (target.HealthCheck is null)
        {
            Probe = null;
            ProbeProblem = null;
        }
        else
        {
            Probe = HealthProbeSpec.Resolve(target.Address, target.HealthCheck, out var problem);
            ProbeProblem = problem;
        }

        return previousTarget is not null && (previous != Probe || previousTarget.ReliesOnHeartbeats != target.ReliesOnHeartbeats);
    }

    /// <summary>
    /// The TTL rule (issue 3 §1): a plugin that relies on heartbeats and has sent none for longer than its TTL, counted
    /// from its last heartbeat or from when this process began watching it, whichever is later — so a registry restart
    /// gives every plugin one TTL to reach the new process before it is judged.
    /// </summary>
    public TimeSpan? HeartbeatSilence(DateTimeOffset now)
    {
        var since = LastHeartbeatAt is { } last && last > WatchedSince ? last : WatchedSince;
        var silence = now - since;
        return silence > Policy.HeartbeatTtl ? silence : null;
    }

    /// <summary>Claims the plugin for one probe; false while the previous one is still running.</summary>
    public bool TryBeginProbe() => Interlocked.CompareExchange(ref _probing, 1, 0) == 0;

    public void EndProbe() => Volatile.Write(ref _probing, 0);

    /// <summary>The plugin left the monitored set (disabled, unregistered); late results for it are dropped.</summary>
    public void Remove() => _removed = true;
}
