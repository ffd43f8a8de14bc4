using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Plugins;

namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// The version rules of issue 3 section 3 as refusals (<see cref="ManifestVersionOrdering.Decide"/> decides): an
/// installed version is immutable, an upgrade follows every installed version.
/// </summary>
internal static class VersionRefusals
{
    /// <summary>Same id and version (by precedence) as an installed version, with different content: names both digests.</summary>
    public static Refusal Conflict(PluginManifest candidate, string digest, ManifestVersionDecision decision, IReadOnlyList<ManifestVersionRecord> versions)
    {
        var installed = PluginVersions.Find(versions, decision.InstalledVersion!)!;
        return Refusal.Of(RefusalKind.AlreadyExists, RefusalCodes.VersionExists,
            $"Plugin '{candidate.Id}' version {installed.Version} is already installed with different content (installed digest {installed.Digest}, " +
            $"presented digest {digest}): an installed version cannot change, so give the new manifest a new version.");
    }

    /// <summary>An upgrade to a version that is installed already with identical content.</summary>
    public static Refusal AlreadyInstalled(PluginRecord plugin, ManifestVersionDecision decision) =>
        Refusal.Of(RefusalKind.AlreadyExists, RefusalCodes.VersionExists,
            string.Equals(decision.InstalledVersion, plugin.Version, StringComparison.Ordinal)
                ? $"Plugin '{plugin.Id}' version {decision.InstalledVersion} is already installed with identical content and is pinned: nothing to upgrade."
                : $"Plugin '{plugin.Id}' version {decision.InstalledVersion} is already installed with identical content but is not pinned (the pinned version is {plugin.Version}): roll back to it instead.");

    /// <summary>An upgrade to a version that precedes the latest installed one: names both versions.</summary>
    public static Refusal NotAnUpgrade(PluginRecord plugin, ManifestVersionDecision decision) =>
        Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.NotAnUpgrade,
            $"Cannot upgrade '{plugin.Id}' to {decision.CandidateVersion}: it precedes the latest installed version {decision.LatestInstalledVersion}, and an upgrade must be newer than every installed version. To pin an installed earlier version, roll back.");
}
