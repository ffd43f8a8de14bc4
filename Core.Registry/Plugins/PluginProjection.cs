using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Lifecycle;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>
/// Stored plugins as the API shows them. Health is not a lifecycle state (ARCHITECTURE.md "Lifecycle and health"):
/// it is what the health monitor last recorded for an active plugin, and <c>unknown</c> for any other, because only
/// active plugins are monitored.
/// </summary>
internal static class PluginProjection
{
    public static PluginSummary ToSummary(PluginRecord plugin)
    {
        var summary = new PluginSummary
        {
            Id = plugin.Id,
            Name = plugin.Name,
            Version = plugin.Version,
            Description = plugin.Description,
            Status = PluginLifecycle.ToProto(plugin.Status),
            Health = HealthOf(plugin),
            InstalledAt = Timestamp.FromDateTimeOffset(plugin.InstalledAt),
        };
        summary.Contracts.Add(plugin.Contracts);
        summary.Traits.Add(plugin.Traits);
        summary.Dependencies.Add(plugin.Dependencies);
        summary.AllowedActions.Add(PluginLifecycle.AdministratorActionsFrom(plugin.Status));
        if (plugin.RegisteredAt is { } registeredAt)
        {
            summary.RegisteredAt = Timestamp.FromDateTimeOffset(registeredAt);
        }

        if (plugin.LastSeenAt is { } lastSeenAt)
        {
            summary.LastSeenAt = Timestamp.FromDateTimeOffset(lastSeenAt);
        }

        return summary;
    }

    /// <summary>
    /// The detail view: the pinned manifest (its version is <c>pinned_version</c>), history, token metadata, the
    /// installed plugins that depend on it directly, and every installed version newest first.
    /// </summary>
    public static PluginDetail ToDetail(PluginRecord plugin, IReadOnlyList<LifecycleEventRecord> history, TokenRecord? token,
        IReadOnlyList<string> dependents, IReadOnlyList<PluginVersionView> versions)
    {
        var detail = new PluginDetail
        {
            Summary = ToSummary(plugin),
            ManifestJson = plugin.ManifestJson,
            ManifestDigest = plugin.ManifestDigest,
            EnableOnRegister = plugin.EnableOnRegister,
            Address = plugin.Address ?? string.Empty,
            UpdatedAt = Timestamp.FromDateTimeOffset(plugin.UpdatedAt),
            PinnedVersion = plugin.Version,
            PlatformRange = ManifestIds.PlatformOf(plugin.ManifestJson) ?? string.Empty,
            PreviousAddress = plugin.PreviousAddress ?? string.Empty,
        };
        detail.Dependents.Add(dependents);
        detail.Versions.Add(versions.Select(ToVersionInfo));
        detail.History.Add(history.Select(e => new LifecycleEvent
        {
            FromStatus = PluginLifecycle.ToProto(e.From),
            ToStatus = PluginLifecycle.ToProto(e.To),
            At = Timestamp.FromDateTimeOffset(e.At),
            Actor = e.Actor,
            Reason = e.Reason,
            Address = e.Address ?? string.Empty,
            PreviousAddress = e.PreviousAddress ?? string.Empty,
        }));
        if (token is not null)
        {
            detail.Token = new TokenInfo
            {
                KeyId = token.KeyId,
                IssuedAt = Timestamp.FromDateTimeOffset(token.IssuedAt),
                ExpiresAt = Timestamp.FromDateTimeOffset(token.ExpiresAt),
            };
        }

        return detail;
    }

    public static PluginVersionInfo ToVersionInfo(PluginVersionView version) => new()
    {
        Version = version.Version,
        ManifestDigest = version.Digest,
        InstalledAt = Timestamp.FromDateTimeOffset(version.InstalledAt),
        InstalledBy = version.InstalledBy,
        Pinned = version.Pinned,
    };

    internal static HealthState HealthOf(PluginRecord plugin) =>
        plugin.Status == PluginState.Active ? Health.HealthStateNames.ToContract(plugin.Health) : HealthState.Unknown;
}
