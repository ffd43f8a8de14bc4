using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Events.Refusals;
using Fabrix.Core.Lanes.Policy;
using Grpc.Core;

namespace Fabrix.Core.Events.Policy;

/// <summary>
/// The Canonical lane's rules (issue 11 sections 2 and 3), default deny, checked in this order against the current
/// policy snapshot: a usable snapshot; the lane switch on; the plugin installed and active; the type a canonical type;
/// the type declared (<c>events.publishes</c> to publish, <c>events.subscribes</c> to receive); the plugin's traits
/// allowing the type's classification (<see cref="CanonicalEventType.AllowedFor"/>: pii needs handles_pii, phi needs
/// handles_phi). Pure functions of the snapshot: the payload check comes after, in the publisher.
/// </summary>
internal static class CanonicalPolicy
{
    /// <summary>May <paramref name="pluginId"/> publish <paramref name="typeName"/> (short or full name)? Null when it may.</summary>
    public static EventsRefusal? DecidePublish(PolicyView view, string pluginId, string typeName, out CanonicalEventType? type)
    {
        type = null;
        if (Plugin(view, pluginId, out var plugin) is { } refusal)
        {
            return refusal;
        }

        type = CanonicalEventTypes.Find(typeName) ?? CanonicalEventTypes.FindByFullName(typeName);
        if (type is null)
        {
            return EventsRefusal.UnknownType(typeName);
        }

        if (!plugin!.EventPublishes.Contains(type.Name))
        {
            return new EventsRefusal(RefusalCodes.EventTypeNotDeclared,
                $"'{type.Name}' is not in the events.publishes of the plugin '{pluginId}'.", StatusCodes.Status403Forbidden, StatusCode.PermissionDenied);
        }

        return Classification(plugin, type, "publish");
    }

    /// <summary>May <paramref name="pluginId"/> receive <paramref name="type"/> now? Null when it may.</summary>
    public static EventsRefusal? DecideDelivery(PolicyView view, string pluginId, CanonicalEventType type)
    {
        if (Plugin(view, pluginId, out var plugin) is { } refusal)
        {
            return refusal;
        }

        if (!plugin!.EventSubscribes.Contains(type.Name))
        {
            return new EventsRefusal(RefusalCodes.EventTypeNotSubscribed,
                $"'{type.Name}' is not in the events.subscribes of the plugin '{pluginId}'.", StatusCodes.Status403Forbidden, StatusCode.PermissionDenied);
        }

        return Classification(plugin, type, "receive");
    }

    private static EventsRefusal? Plugin(PolicyView view, string pluginId, out PluginPolicy? plugin)
    {
        plugin = null;
        if (!view.IsUsable || view.Snapshot is not { } snapshot)
        {
            return EventsRefusal.NoPolicy;
        }

        if (!snapshot.IsLaneOn(PolicySwitchName.LaneCanonical))
        {
            return EventsRefusal.LaneOff;
        }

        plugin = snapshot.Find(pluginId);
        return plugin is { IsActive: true } ? null : EventsRefusal.NotActive(pluginId);
    }

    private static EventsRefusal? Classification(PluginPolicy plugin, CanonicalEventType type, string verb) =>
        type.AllowedFor(plugin.Traits)
            ? null
            : new EventsRefusal(RefusalCodes.EventClassificationNotAllowed,
                $"'{type.Name}' carries {type.Classification} data: a plugin needs the trait '{type.RequiredTrait}' to {verb} it.",
                StatusCodes.Status403Forbidden, StatusCode.PermissionDenied);
}
