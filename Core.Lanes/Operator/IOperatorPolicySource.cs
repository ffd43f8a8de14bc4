using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Lanes.Operator;

/// <summary>
/// What <see cref="OperatorPolicy"/> decides from: the gateway's policy snapshot (<see cref="PolicySnapshot"/>
/// implements it), or <c>fabrix gateway check</c>'s offline view of the given manifests. Every member is a read of
/// immutable data: no I/O, no lock.
/// </summary>
public interface IOperatorPolicySource
{
    /// <summary>True when the Operator lane's switch is on (a missing switch counts as off).</summary>
    bool IsLaneOn { get; }

    /// <summary>Every installed plugin, in any state (walked only to resolve a contract to its providers).</summary>
    IEnumerable<PluginPolicy> AllPlugins { get; }

    /// <summary>The plugin whose id is exactly <paramref name="id"/>, or null when none is installed.</summary>
    PluginPolicy? Find(string id);

    /// <summary>
    /// <see cref="Find(string)"/> for an id that is a slice of the request target. The default allocates the id as a
    /// string; a source over a <c>FrozenDictionary</c> with an ordinal comparer should answer through its
    /// <c>GetAlternateLookup&lt;ReadOnlySpan&lt;char&gt;&gt;()</c> instead, so the hot path allocates nothing.
    /// </summary>
    PluginPolicy? Find(ReadOnlySpan<char> id) => Find(id.ToString());

    /// <summary>True when an administrator granted <paramref name="caller"/> calls to <paramref name="target"/>.</summary>
    bool IsGranted(string caller, string target);

    /// <summary>The plugin an administrator chose to serve <paramref name="contract"/>, or null when none was chosen.</summary>
    string? PreferredProvider(string contract);
}
