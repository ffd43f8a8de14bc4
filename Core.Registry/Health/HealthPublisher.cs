using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// <see cref="IHealthPublisher"/> for the registry: <see cref="HealthStore"/> already wrote the NATS event to the
/// outbox with the transition, so this tells the watch stream (<c>WatchPlugins</c>: the console, the lanes) by
/// upserting the plugin's summary, which carries its new health.
/// </summary>
internal sealed class HealthPublisher(RegistryDatabase database, PluginChangeBroadcaster broadcaster) : IHealthPublisher
{
    public async Task PublishAsync(HealthTransition transition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transition);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var plugin = await PluginStore.FindAsync(transaction, transition.PluginId, forUpdate: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (plugin is null)
        {
            // Uninstalled since: the watch stream already told its watchers it is gone.
            return;
        }

        broadcaster.Publish(new PluginChange
        {
            Kind = PluginChange.Types.Kind.Upserted,
            Plugin = PluginProjection.ToSummary(plugin),
            At = Timestamp.FromDateTimeOffset(transition.At),
        });
    }
}
