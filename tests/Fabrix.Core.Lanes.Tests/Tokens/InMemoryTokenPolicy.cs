using System.Collections.Concurrent;
using Fabrix.Core.Lanes.Tokens;

namespace Fabrix.Core.Lanes.Tests.Tokens;

/// <summary>A policy snapshot held in a dictionary: what the lane's snapshot client provides, without the stream.</summary>
internal sealed class InMemoryTokenPolicy : IPluginTokenPolicy
{
    private readonly ConcurrentDictionary<string, PluginTokenPolicyEntry> _plugins = new(StringComparer.Ordinal);
    private long _revision;

    public bool IsAvailable { get; set; } = true;

    public event Action<string?>? PluginChanged;

    public PluginTokenPolicyEntry? Find(string pluginId) => _plugins.GetValueOrDefault(pluginId);

    /// <summary>Puts or replaces a plugin's entry under the next revision, then tells subscribers.</summary>
    public PluginTokenPolicyEntry Set(string pluginId, string digest, bool active = true, bool notify = true)
    {
        var entry = new PluginTokenPolicyEntry(pluginId, active, digest, ["handles_pii", "audit_required"], ["pii", "internal"], Interlocked.Increment(ref _revision));
        _plugins[pluginId] = entry;
        if (notify)
        {
            PluginChanged?.Invoke(pluginId);
        }

        return entry;
    }
}
