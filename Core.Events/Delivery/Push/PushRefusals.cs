using Fabrix.Contracts.Canonical;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Events.Delivery.Push;

/// <summary>
/// Which (plugin, type) push pumps stay stopped after a refusal (<see cref="PushDispatcher"/>). A refusal is decided
/// against one policy revision (the snapshot <c>CanonicalPolicy.DecideDelivery</c> read). It is lifted only by a change of
/// a later revision that names the plugin or changes the switches: a change the refusing decision already saw does not
/// start the pump again, so the same delivery is not refused and audited twice. The order in which a change and a refusal
/// reach this class does not matter (the snapshot client raises a change after the swap, on its own thread, while a pump
/// may be deciding against the new snapshot already): the latest change revision per plugin is kept, so a refusal recorded
/// after a later change (a restored trait) is lifted at once and never outlives it. Registry revisions only grow
/// (Core.Lanes/README.md); a refusal without a snapshot is decided against revision 0.
/// </summary>
internal sealed class PushRefusals
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Plugin, string Type), long> _refused = [];
    private readonly Dictionary<string, long> _changed = new(StringComparer.Ordinal);
    private long _switchesChanged;

    /// <summary>Takes in a snapshot change: refusals it names that were decided before its revision are lifted.</summary>
    public void Changed(PolicyChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            foreach (var plugin in change.ChangedPlugins)
            {
                _changed[plugin] = Math.Max(_changed.GetValueOrDefault(plugin), change.Revision);
            }

            if (change.SwitchesChanged)
            {
                _switchesChanged = Math.Max(_switchesChanged, change.Revision);
            }

            foreach (var (key, revision) in _refused.ToList())
            {
                if (LiftedAfter(key.Plugin, revision))
                {
                    _refused.Remove(key);
                }
            }
        }
    }

    /// <summary>
    /// Records that a delivery to <paramref name="pluginId"/> of <paramref name="type"/> was refused against
    /// <paramref name="revision"/> with <paramref name="code"/>. False when a change of a later revision already lifted
    /// it, or when it was refused for want of a usable snapshot (<see cref="RefusalCodes.LaneNoPolicy"/>): nothing is
    /// recorded, and the pump should start again once the snapshot allows it.
    /// </summary>
    public bool Refuse(string pluginId, CanonicalEventType type, long revision, string code)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (_lock)
        {
            // No usable snapshot (none yet, or stale): no change event will follow when it is fresh again (heartbeats
            // raise none), so nothing is recorded; the dispatcher starts no pump until the snapshot is usable.
            if (code == RefusalCodes.LaneNoPolicy || LiftedAfter(pluginId, revision))
            {
                return false;
            }

            _refused[(pluginId, type.Name)] = revision;
            return true;
        }
    }

    /// <summary>True while a refusal of (<paramref name="pluginId"/>, <paramref name="type"/>) stands.</summary>
    public bool IsRefused(string pluginId, CanonicalEventType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (_lock)
        {
            return _refused.ContainsKey((pluginId, type.Name));
        }
    }

    /// <summary>
    /// Forgets what concerns plugins that <paramref name="snapshot"/> does not hold (changes up to its revision and refusals
    /// decided up to it), so the bookkeeping stays as large as the plugins. Safe: such a plugin has no pump, and adding it
    /// again is a change of a later revision, which would lift its refusals anyway.
    /// </summary>
    public void Retain(PolicySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_lock)
        {
            foreach (var (plugin, revision) in _changed.ToList())
            {
                if (revision <= snapshot.Revision && snapshot.Find(plugin) is null)
                {
                    _changed.Remove(plugin);
                }
            }

            foreach (var (key, revision) in _refused.ToList())
            {
                if (revision <= snapshot.Revision && snapshot.Find(key.Plugin) is null)
                {
                    _refused.Remove(key);
                }
            }
        }
    }

    private bool LiftedAfter(string pluginId, long revision) =>
        _switchesChanged > revision || _changed.GetValueOrDefault(pluginId) > revision;
}
