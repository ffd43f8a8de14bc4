using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// The one polling loop for every plugin (issue 3 §1): on each tick of a <see cref="PeriodicTimer"/> it reloads the
/// monitored plugins when due, marks silent heartbeat plugins unhealthy, and starts the probes that are due; at most
/// <c>MaxConcurrency</c> probes run at once, over all plugins, and a plugin is never probed twice at once. Probes run
/// on the thread pool as plain async work: no thread per plugin, and a hanging plugin holds one slot for at most its
/// timeout without delaying the loop. Each result goes through <see cref="HealthStateMachine"/>, then to
/// <see cref="IHealthStore"/> and, for a transition, <see cref="IHealthPublisher"/>. A failed tick is logged and the
/// loop goes on; <see cref="HealthMonitorLiveness"/> reports how it is doing.
/// </summary>
internal sealed partial class HealthMonitor(
    IHealthStore store,
    IHealthPublisher publisher,
    IHealthProbe probe,
    HealthSchedule schedule,
    IOptions<HealthOptions> options,
    TimeProvider timeProvider,
    HealthMonitorLiveness liveness,
    IHealthLeadership leadership,
    ILogger<HealthMonitor> logger) : BackgroundService
{
    private readonly HealthOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, MonitoredPlugin> _plugins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly SemaphoreSlim _concurrency = new(options.Value.MaxConcurrency, options.Value.MaxConcurrency);
    private DateTimeOffset _nextRefreshAt = DateTimeOffset.MinValue;
    private int _refreshRequested;

    /// <summary>Number of plugins being monitored.</summary>
    public int Count => _plugins.Count;

    /// <summary>Probes started and not yet recorded.</summary>
    public int InFlight => _running.Count;

    /// <summary>The current health of <paramref name="pluginId"/>, or null when it is not monitored.</summary>
    public HealthStatus? StatusOf(string pluginId) => _plugins.TryGetValue(pluginId, out var plugin) ? plugin.Status : null;

    /// <summary>
    /// Asks for the monitored plugins to be reloaded on the next tick instead of after <c>TargetRefreshInterval</c>;
    /// the registry calls it after a lifecycle change (enable, disable, re-registration with a new address).
    /// </summary>
    public void RequestRefresh() => Volatile.Write(ref _refreshRequested, 1);

    /// <summary>
    /// Records a heartbeat that the registry authenticated and stored at <paramref name="receivedAt"/> (issue 3 §1
    /// "Passive heartbeats"). For a plugin that relies on heartbeats it counts as a successful probe, with the
    /// heartbeat's metrics as the sample's. For a plugin with a <c>health_check</c> it only proves the plugin can reach
    /// core; its probe alone decides its health, so a plugin whose health endpoint fails cannot heartbeat itself back to
    /// healthy. Returns the plugin's health, or null when this instance does not monitor the plugin (not active, not
    /// loaded yet, or another registry instance leads): the leader's next refresh then finds the stored heartbeat. A
    /// heartbeat is counted once, whichever way arrives first (<paramref name="receivedAt"/> is the stored time).
    /// </summary>
    public async Task<HealthState?> HeartbeatReceivedAsync(string pluginId, DateTimeOffset receivedAt, IReadOnlyDictionary<string, double> metrics,
        CancellationToken cancellationToken)
    {
        if (!_plugins.TryGetValue(pluginId, out var plugin))
        {
            return null;
        }

        await plugin.Gate.WaitAsync(cancellationToken);
        try
        {
            if (plugin.Removed)
            {
                return null;
            }

            await ApplyHeartbeatLockedAsync(plugin, receivedAt, metrics, "heartbeat received", cancellationToken);
            return plugin.Status.State;
        }
        finally
        {
            plugin.Gate.Release();
        }
    }

    /// <summary>One pass of the loop: refresh when due, expire silent heartbeat plugins, start due probes.</summary>
    internal async Task RunTickAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var refreshRequested = Interlocked.Exchange(ref _refreshRequested, 0) == 1;
        if (refreshRequested || now >= _nextRefreshAt)
        {
            await RefreshSafelyAsync(now, cancellationToken);
        }

        foreach (var plugin in _plugins.Values)
        {
            if (plugin.Target.ReliesOnHeartbeats)
            {
                await CatchUpStoredHeartbeatAsync(plugin, cancellationToken);
                await ExpireIfSilentAsync(plugin, now, cancellationToken);
            }
            else if (plugin.NextDueAt <= now && plugin.TryBeginProbe())
            {
                var due = plugin.NextDueAt;
                plugin.NextDueAt = schedule.Next(due, now, plugin.Policy.Interval, _options.Jitter);
                Track(ProbeAsync(plugin, plugin.Probe, plugin.ProbeProblem, plugin.Policy, cancellationToken));
            }
        }

        liveness.TickCompleted(timeProvider.GetUtcNow(), _plugins.Count, _running.Count);
    }

    /// <summary>Completes when every probe started so far has been recorded.</summary>
    internal Task WhenProbesCompleteAsync() => Task.WhenAll(_running.Keys);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogDisabled(logger);
            liveness.Disable();
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            liveness.StandingBy(timeProvider.GetUtcNow());
            IHealthLease lease;
            try
            {
                lease = await leadership.AcquireAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            await using (lease)
            {
                LogLeading(logger);
                liveness.Leading(timeProvider.GetUtcNow());
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
                await LeadAsync(leading.Token);
            }
        }
    }

    /// <summary>The loop, for as long as this instance leads; then it forgets every plugin (the next leader reloads them).</summary>
    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.Tick, timeProvider);
        try
        {
            do
            {
                await TickSafelyAsync(cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        // Probes observe the token; wait for them so none records into a disposed store or after leadership ended.
        await WhenProbesCompleteAsync();
        foreach (var (pluginId, plugin) in _plugins)
        {
            if (_plugins.TryRemove(pluginId, out _))
            {
                plugin.Remove();
            }
        }

        _nextRefreshAt = DateTimeOffset.MinValue;
    }

    public override void Dispose()
    {
        base.Dispose();
        _concurrency.Dispose();
    }

    private async Task TickSafelyAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunTickAsync(stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogTickFailed(logger, exception);
            liveness.TickFailed(timeProvider.GetUtcNow(), exception);
        }
    }

    private async Task RefreshSafelyAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var targets = await store.LoadTargetsAsync(cancellationToken);
            Merge(targets, now);
            _nextRefreshAt = now + _options.TargetRefreshInterval;
            liveness.RefreshSucceeded();
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Keep monitoring the plugins already known; try again on the next tick.
            LogRefreshFailed(logger, exception);
            liveness.RefreshFailed(now, exception);
        }
    }

    private void Merge(IReadOnlyList<HealthTarget> targets, DateTimeOffset now)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<MonitoredPlugin>();
        foreach (var target in targets)
        {
            if (!seen.Add(target.PluginId))
            {
                continue;
            }

            var policy = HealthPolicy.Resolve(_options, target.PluginId);
            if (_plugins.TryGetValue(target.PluginId, out var known))
            {
                // Memory is the live truth for status and heartbeats; the store only tells what to watch and how.
                if (known.Update(target, policy))
                {
                    known.NextDueAt = now;
                }
            }
            else
            {
                added.Add(new MonitoredPlugin(target, policy, now));
            }
        }

        foreach (var (pluginId, plugin) in _plugins)
        {
            if (!seen.Contains(pluginId) && _plugins.TryRemove(pluginId, out _))
            {
                plugin.Remove();
                LogStoppedWatching(logger, pluginId);
            }
        }

        if (added.Count == 0)
        {
            return;
        }

        var due = schedule.Spread(now, added.Select(p => p.Policy.Interval).ToList());
        for (var i = 0; i < added.Count; i++)
        {
            added[i].NextDueAt = due[i];
            _plugins[added[i].PluginId] = added[i];
            LogStartedWatching(logger, added[i].PluginId, added[i].Target.ReliesOnHeartbeats, added[i].Probe?.Endpoint, added[i].Status.State);
        }
    }

    /// <summary>
    /// A heartbeat another registry instance received (or this one, before the plugin was loaded) reaches the monitor
    /// through the store: the refresh brings its time and metrics, and it counts like one received here.
    /// </summary>
    private async Task CatchUpStoredHeartbeatAsync(MonitoredPlugin plugin, CancellationToken cancellationToken)
    {
        if (plugin.Target.LastHeartbeatAt is not { } stored || plugin.LastHeartbeatAt >= stored)
        {
            return;
        }

        await plugin.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!plugin.Removed)
            {
                await ApplyHeartbeatLockedAsync(plugin, stored, plugin.Target.LastHeartbeatMetrics ?? HealthProbeResult.NoMetrics,
                    "heartbeat received (by another registry instance)", cancellationToken);
            }
        }
        finally
        {
            plugin.Gate.Release();
        }
    }

    /// <summary>Counts a heartbeat once: one not newer than the last one counted is ignored. The caller holds the gate.</summary>
    private async Task ApplyHeartbeatLockedAsync(MonitoredPlugin plugin, DateTimeOffset receivedAt, IReadOnlyDictionary<string, double> metrics, string detail,
        CancellationToken cancellationToken)
    {
        if (plugin.LastHeartbeatAt >= receivedAt)
        {
            return;
        }

        plugin.LastHeartbeatAt = receivedAt;
        if (plugin.Target.ReliesOnHeartbeats)
        {
            var sample = new HealthSample(plugin.PluginId, receivedAt, HealthSampleSource.Heartbeat, true, null, detail, metrics);
            await ObserveLockedAsync(plugin, HealthSignal.Success, sample, cancellationToken);
        }
    }

    private async Task ExpireIfSilentAsync(MonitoredPlugin plugin, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (plugin.Status.State == HealthState.Unhealthy || plugin.HeartbeatSilence(now) is null)
        {
            return;
        }

        await plugin.Gate.WaitAsync(cancellationToken);
        try
        {
            // Re-checked under the gate: a heartbeat may have arrived meanwhile.
            if (plugin.Removed || plugin.Status.State == HealthState.Unhealthy || plugin.HeartbeatSilence(now) is not { } silence)
            {
                return;
            }

            var detail = $"no heartbeat for {HealthProbeClient.Describe(TimeSpan.FromSeconds(Math.Floor(silence.TotalSeconds)))} (TTL {HealthProbeClient.Describe(plugin.Policy.HeartbeatTtl)})";
            var sample = new HealthSample(plugin.PluginId, now, HealthSampleSource.HeartbeatTtl, false, null, detail, HealthProbeResult.NoMetrics);
            await ObserveLockedAsync(plugin, HealthSignal.HeartbeatExpired, sample, cancellationToken);
        }
        finally
        {
            plugin.Gate.Release();
        }
    }

    private async Task ProbeAsync(MonitoredPlugin plugin, HealthProbeSpec? spec, string? problem, HealthPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            HealthProbeResult result;
            var startedAt = timeProvider.GetUtcNow();
            if (spec is null)
            {
                result = HealthProbeResult.Failed(TimeSpan.Zero, problem ?? "no probe can be built from the health_check");
            }
            else
            {
                await _concurrency.WaitAsync(cancellationToken);
                try
                {
                    startedAt = timeProvider.GetUtcNow();
                    result = await probe.ProbeAsync(spec, policy.Timeout, cancellationToken);
                }
                finally
                {
                    _concurrency.Release();
                }
            }

            var source = spec?.Kind == HealthProbeKind.Grpc ? HealthSampleSource.Grpc : HealthSampleSource.Http;
            var sample = new HealthSample(plugin.PluginId, startedAt, source, result.Success, result.Duration, result.Detail, result.Metrics);
            await plugin.Gate.WaitAsync(cancellationToken);
            try
            {
                if (!plugin.Removed)
                {
                    await ObserveLockedAsync(plugin, result.Success ? HealthSignal.Success : HealthSignal.Failure, sample, cancellationToken);
                }
            }
            finally
            {
                plugin.Gate.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            LogProbeFailed(logger, plugin.PluginId, exception);
        }
        finally
        {
            plugin.EndProbe();
        }
    }

    /// <summary>Applies one observation and records it; the caller holds the plugin's gate.</summary>
    private async Task ObserveLockedAsync(MonitoredPlugin plugin, HealthSignal signal, HealthSample sample, CancellationToken cancellationToken)
    {
        var evaluation = HealthStateMachine.Apply(plugin.Status, signal, plugin.Policy);
        var transition = evaluation.Transitioned
            ? new HealthTransition(plugin.PluginId, evaluation.Previous.State, evaluation.Next.State, sample.At, Reason(signal, evaluation.Next, sample))
            : null;
        try
        {
            await store.RecordAsync(new HealthObservation(sample, evaluation.Next, transition), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The status stays as it was, so the next observation decides (and records) the transition again.
            LogRecordFailed(logger, plugin.PluginId, exception);
            return;
        }

        plugin.Status = evaluation.Next;
        if (transition is null)
        {
            return;
        }

        LogTransition(logger, plugin.PluginId, transition.From, transition.To, transition.Reason);
        try
        {
            await publisher.PublishAsync(transition, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogPublishFailed(logger, plugin.PluginId, exception);
        }
    }

    private static string Reason(HealthSignal signal, HealthStatus next, HealthSample sample) => signal switch
    {
        HealthSignal.Success when sample.Source == HealthSampleSource.Heartbeat => $"{Times(next.ConsecutiveSuccesses, "heartbeat", "consecutive heartbeats")} received",
        HealthSignal.Success => $"{Times(next.ConsecutiveSuccesses, "successful probe", "consecutive successful probes")} ({sample.Detail})",
        HealthSignal.Failure => $"{Times(next.ConsecutiveFailures, "failed probe", "consecutive failed probes")}, the last: {sample.Detail}",
        _ => sample.Detail ?? "no heartbeat within the TTL",
    };

    private static string Times(int count, string one, string many) => count == 1 ? $"1 {one}" : $"{count} {many}";

    private void Track(Task task)
    {
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(static (completed, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(completed, out _),
            _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Plugin {PluginId} health {From} -> {To}: {Reason}")]
    private static partial void LogTransition(ILogger logger, string pluginId, HealthState from, HealthState to, string reason);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Watching the health of plugin {PluginId} (heartbeats only: {ReliesOnHeartbeats}, probe: {Endpoint}), currently {State}")]
    private static partial void LogStartedWatching(ILogger logger, string pluginId, bool reliesOnHeartbeats, Uri? endpoint, HealthState state);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Stopped watching the health of plugin {PluginId}: it is no longer active")]
    private static partial void LogStoppedWatching(ILogger logger, string pluginId);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Information, Message = "This registry instance runs the health monitor")]
    private static partial void LogLeading(ILogger logger);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Health monitoring is off (Fabrix:Registry:Health:Enabled = false): no plugin is probed and heartbeat TTLs are not enforced")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(EventId = 1310, Level = LogLevel.Error, Message = "A health monitor tick failed; the loop goes on")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Warning, Message = "Loading the plugins to monitor failed; the known ones are still probed and loading is retried")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Warning, Message = "Recording a health observation of plugin {PluginId} failed; its state is decided again on the next one")]
    private static partial void LogRecordFailed(ILogger logger, string pluginId, Exception exception);

    [LoggerMessage(EventId = 1313, Level = LogLevel.Warning, Message = "Publishing the health transition of plugin {PluginId} failed; it stays recorded")]
    private static partial void LogPublishFailed(ILogger logger, string pluginId, Exception exception);

    [LoggerMessage(EventId = 1314, Level = LogLevel.Error, Message = "Probing plugin {PluginId} failed unexpectedly")]
    private static partial void LogProbeFailed(ILogger logger, string pluginId, Exception exception);
}
