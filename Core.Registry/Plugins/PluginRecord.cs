using Fabrix.Core.Registry.Health;
using Fabrix.Core.Registry.Lifecycle;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>
/// An installed plugin as stored: its pinned manifest revision (the version allowed to register), lifecycle state,
/// registration facts and the health the monitor last recorded (meaningful while it is active).
/// </summary>
internal sealed record PluginRecord(
    string Id,
    PluginState Status,
    int ManifestRevision,
    string Name,
    string Version,
    string Description,
    IReadOnlyList<string> Contracts,
    IReadOnlyList<string> Traits,
    IReadOnlyList<string> Dependencies,
    string ManifestJson,
    string ManifestDigest,
    bool EnableOnRegister,
    string? Address,
    DateTimeOffset InstalledAt,
    DateTimeOffset? RegisteredAt,
    DateTimeOffset? LastSeenAt,
    DateTimeOffset? LastHeartbeatAt,
    DateTimeOffset UpdatedAt,
    HealthState Health,
    string? PreviousAddress = null);

/// <summary>One persisted lifecycle transition.</summary>
internal sealed record LifecycleEventRecord(
    PluginState From,
    PluginState To,
    string Trigger,
    DateTimeOffset At,
    string Actor,
    string Reason,
    string? Address = null,
    string? PreviousAddress = null);

/// <summary>Metadata of an issued token; the token itself is never stored.</summary>
internal sealed record TokenRecord(Guid Jti, string PluginId, string KeyId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>One stored, immutable manifest version of a plugin (a row of <c>plugin_manifests</c>).</summary>
internal sealed record ManifestVersionRecord(
    int Revision,
    string Version,
    string ManifestJson,
    string Digest,
    DateTimeOffset InstalledAt,
    string InstalledBy);

/// <summary>An installed plugin as the dependency graph sees it: status and the dependencies of its pinned manifest.</summary>
internal sealed record InstalledDependencies(string Id, PluginState Status, IReadOnlyList<string> Dependencies);
