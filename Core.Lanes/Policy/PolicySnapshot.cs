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
        FrozenDictionary<PolicySwitchName, SwitchPolicy> switches, IEnumerable<GrantPolicy> grants, IEnumerable<ProviderPreferencePolicy> preferences)
    {
        Revision = revision;
        CommittedAt = committedAt;
        Plugins = plugins;
        Switches = switches;
        // A grant or preference naming a plugin the snapshot lacks went with its uninstall (the registry deleted it in the
        // same transaction); dropping it here keeps a delta-built snapshot equal to a full one.
        Grants = [.. grants.Where(g => plugins.ContainsKey(g.Caller) && plugins.ContainsKey(g.Target))
            .OrderBy(g => g.Caller, StringComparer.Ordinal).ThenBy(g => g.Target, StringComparer.Ordinal)];
        _grantsByCaller = Grants.GroupBy(g => g.Caller, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToFrozenDictionary(x => x.Target, StringComparer.Ordinal), StringComparer.Ordinal);
        ProviderPreferences = preferences.Where(p => plugins.ContainsKey(p.PluginId)).ToFrozenDictionary(p => p.Contract, StringComparer.Ordinal);
    }

    private readonly FrozenDictionary<string, FrozenDictionary<string, GrantPolicy>> _grantsByCaller;

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

    /// <summary>Every operator grant (administrator-granted caller → target access), ordered by caller then target.</summary>
    public IReadOnlyList<GrantPolicy> Grants { get; }

    /// <summary>The preferred provider of each contract an administrator chose one for, by contract name.</summary>
    public FrozenDictionary<string, ProviderPreferencePolicy> ProviderPreferences { get; }

    /// <summary>The plugin's entry, or null when it is not installed.</summary>
    public PluginPolicy? Find(string pluginId) => Plugins.GetValueOrDefault(pluginId);

    /// <summary>
    /// True when an administrator granted <paramref name="caller"/> access to <paramref name="target"/> on the Operator
    /// lane (on top of the caller's manifest dependencies). Ordinal, exact ids; no allocation.
    /// </summary>
    public bool IsGranted(string caller, string target) =>
        _grantsByCaller.TryGetValue(caller, out var targets) && targets.ContainsKey(target);

    /// <summary>The grant of <paramref name="caller"/> → <paramref name="target"/>, with who granted it, or null.</summary>
    public GrantPolicy? FindGrant(string caller, string target) =>
        _grantsByCaller.TryGetValue(caller, out var targets) ? targets.GetValueOrDefault(target) : null;

    /// <summary>
    /// The plugin id an administrator chose to serve <paramref name="contract"/> (<c>/contracts/{contract}/...</c>), or
    /// null when none was chosen. The plugin is installed, but may not be active: the lane checks its state as for any target.
    /// </summary>
    public string? PreferredProvider(string contract) => ProviderPreferences.GetValueOrDefault(contract)?.PluginId;

    /// <summary>The Proxy lane's global deny list as the registry holds it (issue 12 section 1), ordered by pattern.</summary>
    public IReadOnlyList<DeniedDomainPolicy> DeniedDomains
    {
        get => _deniedDomains;
        init
        {
            _deniedDomains = [.. value.OrderBy(d => d.Pattern, StringComparer.Ordinal)];
            DeniedPatterns = [.. _deniedDomains.Select(d => Egress.DomainPattern.Parse(d.Pattern)).OfType<Egress.DomainPattern>()];
        }
    }

    /// <summary><see cref="DeniedDomains"/>, parsed once per snapshot for the lane's hot path.</summary>
    public IReadOnlyList<Egress.DomainPattern> DeniedPatterns { get; private init; } = [];

    private readonly IReadOnlyList<DeniedDomainPolicy> _deniedDomains = [];

    private bool IsOn(PolicySwitchName name, bool fallback) => Switches.TryGetValue(name, out var value) ? value.On : fallback;
}

/// <summary>One pattern of the global egress deny list and who added it.</summary>
/// <param name="Pattern">A normalised host name or <c>*.suffix</c>.</param>
/// <param name="AddedBy"><c>user:&lt;name&gt;</c>.</param>
/// <param name="AddedAt">When.</param>
/// <param name="Reason">Why.</param>
public sealed record DeniedDomainPolicy(string Pattern, string AddedBy, DateTimeOffset AddedAt, string Reason)
{
    internal static DeniedDomainPolicy From(DeniedDomain wire) =>
        new(wire.Pattern, wire.AddedBy, wire.AddedAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch, wire.Reason);
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
/// <remarks><see cref="LaneLimits"/> carries an administrator's overrides of the lanes' configured limits.</remarks>
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

    /// <summary>An administrator's overrides of the lanes' configured limits for this plugin; null when there are none (every lane's default applies).</summary>
    public LaneLimitOverrides? LaneLimits { get; init; }

    /// <summary>Canonical event types (short names, e.g. <c>UserCreated</c>) the pinned manifest's <c>events.publishes</c> declares.</summary>
    public FrozenSet<string> EventPublishes { get; init; } = FrozenSet<string>.Empty;

    /// <summary>Canonical event types the pinned manifest's <c>events.subscribes</c> declares.</summary>
    public FrozenSet<string> EventSubscribes { get; init; } = FrozenSet<string>.Empty;

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
        LaneLimits = wire.LaneLimits is null ? null : LaneLimitOverrides.From(wire.LaneLimits),
        EventPublishes = wire.EventPublishes.ToFrozenSet(StringComparer.Ordinal),
        EventSubscribes = wire.EventSubscribes.ToFrozenSet(StringComparer.Ordinal),
    };
}

/// <summary>
/// An administrator's per-plugin overrides of the lanes' configured limits. A null part or field means the lane's own
/// configured default applies.
/// </summary>
/// <param name="Operator">Operator lane (Core.Gateway): the caller's token bucket.</param>
/// <param name="Proxy">Proxy lane (Core.Proxy): request rate, bandwidth and mode.</param>
/// <param name="CanonicalPublish">Canonical lane (Core.Events): the plugin's publish token bucket.</param>
/// <param name="SetBy"><c>user:&lt;name&gt;</c> of the administrator who last changed them.</param>
/// <param name="SetAt">When.</param>
/// <param name="Reason">Why.</param>
public sealed record LaneLimitOverrides(
    RateLimitOverride? Operator,
    ProxyLimitOverride? Proxy,
    RateLimitOverride? CanonicalPublish,
    string SetBy,
    DateTimeOffset SetAt,
    string Reason)
{
    internal static LaneLimitOverrides From(PluginLaneLimits wire)
    {
        var limits = wire.Limits ?? new LaneLimits();
        return new(
            limits.Operator is { } o ? new RateLimitOverride(o.HasRequestsPerSecond ? o.RequestsPerSecond : null, o.HasBurst ? o.Burst : null) : null,
            limits.Proxy is { } p
                ? new ProxyLimitOverride(p.HasRequestsPerSecond ? p.RequestsPerSecond : null, p.HasBurst ? p.Burst : null,
                    p.HasBytesPerSecond ? p.BytesPerSecond : null, p.Mode == ProxyMode.Unspecified ? null : p.Mode)
                : null,
            limits.Canonical is { } c
                ? new RateLimitOverride(c.HasPublishRequestsPerSecond ? c.PublishRequestsPerSecond : null, c.HasPublishBurst ? c.PublishBurst : null)
                : null,
            wire.SetBy,
            wire.SetAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch,
            wire.Reason);
    }
}

/// <summary>A token bucket override; a null field is the lane's default.</summary>
/// <param name="RequestsPerSecond">Tokens added per second (greater than 0).</param>
/// <param name="Burst">Bucket size (at least 1).</param>
public sealed record RateLimitOverride(double? RequestsPerSecond, int? Burst);

/// <summary>The Proxy lane's override; a null field is the lane's default.</summary>
/// <param name="RequestsPerSecond">Requests per second (greater than 0).</param>
/// <param name="Burst">Bucket size (at least 1).</param>
/// <param name="BytesPerSecond">Bandwidth quota, both directions together (at least 1).</param>
/// <param name="Mode">Enforce or report.</param>
public sealed record ProxyLimitOverride(double? RequestsPerSecond, int? Burst, long? BytesPerSecond, ProxyMode? Mode);

/// <summary>An administrator's grant: <paramref name="Caller"/> may call <paramref name="Target"/> on the Operator lane.</summary>
/// <param name="Caller">Calling plugin id.</param>
/// <param name="Target">Called plugin id.</param>
/// <param name="GrantedBy"><c>user:&lt;name&gt;</c>.</param>
/// <param name="GrantedAt">When.</param>
/// <param name="Reason">Why.</param>
public sealed record GrantPolicy(string Caller, string Target, string GrantedBy, DateTimeOffset GrantedAt, string Reason)
{
    internal static GrantPolicy From(OperatorGrant wire) =>
        new(wire.Caller, wire.Target, wire.GrantedBy, wire.GrantedAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch, wire.Reason);
}

/// <summary>Which plugin serves a contract when several provide it.</summary>
/// <param name="Contract">Contract name.</param>
/// <param name="PluginId">The chosen provider.</param>
/// <param name="SetBy"><c>user:&lt;name&gt;</c>.</param>
/// <param name="SetAt">When.</param>
/// <param name="Reason">Why.</param>
public sealed record ProviderPreferencePolicy(string Contract, string PluginId, string SetBy, DateTimeOffset SetAt, string Reason)
{
    internal static ProviderPreferencePolicy From(ProviderPreference wire) =>
        new(wire.Contract, wire.PluginId, wire.SetBy, wire.SetAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch, wire.Reason);
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
public sealed record PolicyChange(long Revision, IReadOnlySet<string> ChangedPlugins, bool SwitchesChanged)
{
    /// <summary>True when any operator grant was added or revoked (including those dropped with an uninstalled plugin).</summary>
    public bool GrantsChanged { get; init; }

    /// <summary>True when any contract provider preference was set or cleared.</summary>
    public bool PreferencesChanged { get; init; }
}
