using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Health;
using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Policy;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Lifecycle;

/// <summary>
/// Records a transition everywhere it must appear, inside the caller's transaction: the lifecycle_events row, the
/// outbox rows for <c>fabrix.plugin.&lt;id&gt;.lifecycle</c> and <c>fabrix.policy.changed</c> with the policy revision
/// (<see cref="PolicyChanges"/>), and (after commit) the
/// in-process watch feed and the health monitor, which reloads what it watches (an enabled plugin starts being probed,
/// a disabled one stops, a re-registration may bring a new address).
/// </summary>
internal sealed partial class LifecycleJournal(EventOutbox outbox, PolicyChanges policy, PluginChangeBroadcaster broadcaster, HealthMonitor healthMonitor,
    ILogger<LifecycleJournal> logger)
{
    public async Task RecordAsync(RegistryTransaction transaction, string pluginId, PluginState from, PluginState to, LifecycleTrigger trigger,
        Caller caller, string reason, CancellationToken cancellationToken, string? address = null, string? previousAddress = null)
    {
        await PluginStore.AppendLifecycleEventAsync(transaction, pluginId, from, to, trigger, caller.Actor, reason, caller.CorrelationId, cancellationToken,
            address, previousAddress);
        var triggerName = PluginLifecycle.TriggerName(trigger);
        await outbox.EnqueueAsync(transaction, EventSubjects.Lifecycle(pluginId),
            new PluginLifecycleChanged(pluginId, PluginLifecycle.ToDatabase(from), PluginLifecycle.ToDatabase(to), triggerName,
                transaction.Now, caller.Actor, reason, caller.CorrelationId),
            EventJsonContext.Default.PluginLifecycleChanged, cancellationToken);
        await policy.PluginChangedAsync(transaction, pluginId, PluginLifecycle.ToDatabase(to), $"lifecycle.{triggerName}", caller.CorrelationId,
            cancellationToken);
        var fromName = PluginLifecycle.StateName(from);
        var toName = PluginLifecycle.StateName(to);
        transaction.AfterCommit(() => LogTransition(logger, pluginId, fromName, toName, triggerName, caller.Actor));
        transaction.AfterCommit(healthMonitor.RequestRefresh);
    }

    /// <summary>Tells watchers about <paramref name="plugin"/>'s new state once the transaction commits.</summary>
    public void UpsertAfterCommit(RegistryTransaction transaction, PluginRecord plugin)
    {
        var at = Timestamp.FromDateTimeOffset(transaction.Now);
        transaction.AfterCommit(() => broadcaster.Publish(new PluginChange
        {
            Kind = PluginChange.Types.Kind.Upserted,
            Plugin = PluginProjection.ToSummary(plugin),
            At = at,
        }));
    }

    /// <summary>Tells watchers that <paramref name="pluginId"/> is gone once the transaction commits.</summary>
    public void RemoveAfterCommit(RegistryTransaction transaction, string pluginId)
    {
        var at = Timestamp.FromDateTimeOffset(transaction.Now);
        transaction.AfterCommit(() => broadcaster.Publish(new PluginChange
        {
            Kind = PluginChange.Types.Kind.Removed,
            Plugin = new PluginSummary { Id = pluginId },
            At = at,
        }));
    }

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Plugin {PluginId}: {From} -> {To} ({Trigger}) by {Actor}")]
    private static partial void LogTransition(ILogger logger, string pluginId, string from, string to, string trigger, string actor);
}
