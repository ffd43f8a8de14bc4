using System.Collections.Frozen;
using PolicySwitchName = Fabrix.Contracts.Policy.V1.PolicySwitchName;
using Fabrix.Core.Lanes.Operator;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>
/// The gateway's policy snapshot as the operator policy reads it: one instance per snapshot revision (built once,
/// when the revision is first used), the target looked up as a span without allocating, grants and contract provider
/// preferences as the administrator set them (<see cref="PolicySnapshot.IsGranted"/>, <see cref="PolicySnapshot.PreferredProvider"/>).
/// </summary>
internal sealed class SnapshotOperatorSource : IOperatorPolicySource
{
    private readonly PolicySnapshot _snapshot;
    private readonly FrozenDictionary<string, PluginPolicy>.AlternateLookup<ReadOnlySpan<char>> _byId;

    public SnapshotOperatorSource(PolicySnapshot snapshot)
    {
        _snapshot = snapshot;
        _byId = snapshot.Plugins.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public PolicySnapshot Snapshot => _snapshot;

    public bool IsLaneOn => _snapshot.IsLaneOn(PolicySwitchName.LaneOperator);

    public IEnumerable<PluginPolicy> AllPlugins => _snapshot.Plugins.Values;

    public PluginPolicy? Find(string id) => _snapshot.Find(id);

    public PluginPolicy? Find(ReadOnlySpan<char> id) => _byId.TryGetValue(id, out var plugin) ? plugin : null;

    public bool IsGranted(string caller, string target) => _snapshot.IsGranted(caller, target);

    public string? PreferredProvider(string contract) => _snapshot.PreferredProvider(contract);
}
