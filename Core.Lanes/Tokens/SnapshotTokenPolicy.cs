using System.Runtime.CompilerServices;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Lanes.Tokens;

/// <summary>
/// The token check's view (<see cref="IPluginTokenPolicy"/>) of the lane's policy snapshot (<see cref="PolicySnapshotClient"/>):
/// available while the snapshot is usable, each plugin's entry read from the current snapshot, and a change notice for
/// every plugin a new revision changed. An entry is made once per snapshot entry (the snapshot's entries are immutable
/// and kept across revisions that do not touch them) and carries the revision in which it was first seen, so a
/// repeat token check allocates nothing and a changed plugin's cached tokens are dropped.
/// </summary>
public sealed class SnapshotTokenPolicy : IPluginTokenPolicy, IDisposable
{
    private readonly PolicySnapshotClient _client;
    private readonly ConditionalWeakTable<PluginPolicy, PluginTokenPolicyEntry> _entries = [];

    public SnapshotTokenPolicy(PolicySnapshotClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _client.Changed += OnChanged;
    }

    public event Action<string?>? PluginChanged;

    public bool IsAvailable => _client.Current.IsUsable;

    public PluginTokenPolicyEntry? Find(string pluginId)
    {
        var snapshot = _client.Current.Snapshot;
        if (snapshot?.Find(pluginId) is not { } plugin)
        {
            return null;
        }

        if (_entries.TryGetValue(plugin, out var entry))
        {
            return entry;
        }

        entry = new PluginTokenPolicyEntry(plugin.Id, plugin.IsActive, plugin.ManifestDigest, [.. plugin.Traits], [.. plugin.DataClassifications], snapshot.Revision);
        return _entries.GetValue(plugin, _ => entry);
    }

    public void Dispose() => _client.Changed -= OnChanged;

    private void OnChanged(object? sender, PolicyChange change)
    {
        foreach (var pluginId in change.ChangedPlugins)
        {
            PluginChanged?.Invoke(pluginId);
        }
    }
}
