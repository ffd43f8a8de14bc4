using System.Collections.Frozen;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Core.Lanes.Policy;

/// <summary>
/// The policy a lane decides from, as of one revision (issue 9 section 1). Immutable: a change builds a new snapshot
/// and swaps it in whole, so a reader sees either all of a revision or none of it.
/// </summary>
public sealed class PolicySnapshot
{
    internal PolicySnapshot(long revision, DateTimeOffset committedAt, FrozenDictionary<string, PluginPolicy> plugins,
        FrozenDictionary<PolicySwitchName, SwitchPolicy> switches)
    {
        Revision = revision;
        CommittedAt = committedAt;
        Plugins = plugins;
        Switches = switches;
    }

    /// <summary>The registry's policy revision this snapshot is.</summary>
    public long Revision { get; }

    /// <summary>When the registry committed <see cref="Revision"/>.</summary>
    public DateTimeOffset CommittedAt { get; }

    /// <summary>Every installed plugin by id, in any lifecycle state.</summary>
    public FrozenDictionary<string, PluginPolicy> Plugins { get; }

    /// <summary>The global switches by name.</summary>
    public FrozenDictionary<PolicySwitchName, SwitchPolicy> Switches { get; }

    /// <summary>True when the egress kill switch is on: the Proxy lane refuses every request.</summary>
    public bool EgressKilled => IsOn(PolicySwitchName.EgressKill, fallback: true);

    /// <summary>Whether a lane's switch is on. A switch the snapshot lacks counts as off (fail closed).</summary>
    public bool IsLaneOn(PolicySwitchName lane) => IsOn(lane, fallback: false);

    /// <summary>The plugin's entry, or null when it is not installed.</summary>
    public PluginPolicy? Find(string pluginId) => Plugins.GetValueOrDefault(pluginId);

    private bool IsOn(PolicySwitchName name, bool fallback) => Switches.TryGetValue(name, out var value) ? value.On : fallback;
}

/// <summary>One installed plugin as the lanes see it (<see cref="PolicyPlugin"/> documents each field).</summary>
/// <param name="Id">Manifest id.</param>
/// <param name="Status">Lifecycle state; lanes act for or towards a plugin only while it is active.</param>
/// <param name="Health">Health as last recorded (unknown when not active).</param>
/// <param name="ManifestDigest">Digest of the pinned manifest; a plugin token must carry exactly this one.</param>
/// <param name="Version">Version of the pinned manifest.</param>
/// <param name="Traits">Declared traits.</param>
/// <param name="Contracts">Declared contracts.</param>
/// <param name="DataClassifications">Declared data classifications.</param>
/// <param name="Dependencies">Plugins it may call on the Operator lane.</param>
/// <param name="Endpoints">Endpoint name → absolute path.</param>
/// <param name="AllowedDomains">Hostnames the Proxy lane may reach for it.</param>
/// <param name="Address">Registered address, or null before it registers.</param>
/// <param name="MemoryLimitMb">Declared memory limit, when declared.</param>
/// <param name="CpuLimit">Declared CPU limit, when declared.</param>
public sealed record PluginPolicy(
    string Id,
    PluginStatus Status,
    HealthState Health,
    string ManifestDigest,
    string Version,
    FrozenSet<string> Traits,
    IReadOnlyList<string> Contracts,
    FrozenSet<string> DataClassifications,
    IReadOnlyList<string> Dependencies,
    FrozenDictionary<string, string> Endpoints,
    IReadOnlyList<string> AllowedDomains,
    string? Address,
    double? MemoryLimitMb,
    double? CpuLimit)
{
    /// <summary>True when the plugin is active (the only state in which lanes act for it).</summary>
    public bool IsActive => Status == PluginStatus.Active;

    /// <summary>The wire entry it was built from, to tell whether a new revision changed it (protobuf messages compare by value).</summary>
    internal PolicyPlugin Wire { get; init; } = new();

    internal static PluginPolicy From(PolicyPlugin wire) => new(
        wire.Id,
        wire.Status,
        wire.Health,
        wire.ManifestDigest,
        wire.Version,
        wire.Traits.ToFrozenSet(StringComparer.Ordinal),
        [.. wire.Contracts],
        wire.DataClassifications.ToFrozenSet(StringComparer.Ordinal),
        [.. wire.Dependencies],
        wire.Endpoints.ToFrozenDictionary(StringComparer.Ordinal),
        [.. wire.AllowedDomains],
        wire.Address.Length == 0 ? null : wire.Address,
        wire.Limits is { HasMemoryLimitMb: true } memory ? memory.MemoryLimitMb : null,
        wire.Limits is { HasCpuLimit: true } cpu ? cpu.CpuLimit : null)
    {
        Wire = wire,
    };
}

/// <summary>One global switch and who set it.</summary>
/// <param name="Name">Which switch.</param>
/// <param name="On">Whether it is on.</param>
/// <param name="SetBy"><c>user:&lt;name&gt;</c> or <c>system</c>.</param>
/// <param name="SetAt">When it was set.</param>
/// <param name="Reason">Why.</param>
public sealed record SwitchPolicy(PolicySwitchName Name, bool On, string SetBy, DateTimeOffset SetAt, string Reason)
{
    internal static SwitchPolicy From(PolicySwitch wire) => new(wire.Name, wire.On, wire.SetBy, wire.SetAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch, wire.Reason);
}

/// <summary>
/// What a reader gets from <see cref="PolicySnapshotClient.Current"/>: the snapshot, if any, and whether a lane may
/// decide from it. Not usable before the first snapshot or once the snapshot is older than <c>StaleAfter</c>: a lane
/// then refuses everything (fail closed).
/// </summary>
/// <param name="Snapshot">The last snapshot received, or null before the first.</param>
/// <param name="IsUsable">True when <paramref name="Snapshot"/> is set and was confirmed by the registry within <c>StaleAfter</c>.</param>
/// <param name="Staleness">Time since the registry last confirmed the snapshot (any message on the stream); null before the first.</param>
public readonly record struct PolicyView(PolicySnapshot? Snapshot, bool IsUsable, TimeSpan? Staleness);

/// <summary>What a new revision changed; raised by <see cref="PolicySnapshotClient.Changed"/> after the swap.</summary>
/// <param name="Revision">The revision now held.</param>
/// <param name="ChangedPlugins">Ids of plugins added, changed or removed.</param>
/// <param name="SwitchesChanged">True when any switch changed.</param>
public sealed record PolicyChange(long Revision, IReadOnlySet<string> ChangedPlugins, bool SwitchesChanged);
