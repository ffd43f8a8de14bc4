using Fabrix.Contracts.Manifests;
using Semver;

namespace Fabrix.Contracts.Platform;

/// <summary>
/// Issue 3 section 3: "an install outside the range is refused with both versions named". Checks a manifest's
/// optional <c>platform</c> range (<see cref="PlatformRange"/>) against a Fabrix version.
/// </summary>
public static class PlatformCompatibility
{
    /// <summary>Checks <paramref name="manifest"/> against the running platform, <see cref="FabrixPlatform.Version"/>.</summary>
    public static PlatformCompatibilityResult Check(PluginManifest manifest) => Check(manifest, FabrixPlatform.Version);

    /// <summary>
    /// Checks <paramref name="manifest"/> against <paramref name="platformVersion"/>. A manifest without a
    /// <c>platform</c> range supports every version. Build metadata of <paramref name="platformVersion"/> is ignored.
    /// </summary>
    public static PlatformCompatibilityResult Check(PluginManifest manifest, SemVersion platformVersion)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(platformVersion);

        var required = manifest.Platform;
        if (required is null)
        {
            return new PlatformCompatibilityResult(true, manifest.Id, manifest.Version, null, platformVersion, null);
        }

        var plugin = $"Plugin '{manifest.Id}' {manifest.Version}";
        var platform = platformVersion.WithoutMetadata();

        // A validated manifest always holds a parsable range; a hand-built PluginManifest might not.
        if (!PlatformRange.TryParse(required, out var range, out var problem))
        {
            return new PlatformCompatibilityResult(
                false, manifest.Id, manifest.Version, required, platformVersion,
                $"{plugin} declares the platform range '{required}', which {problem}; this is Fabrix {platform}.");
        }

        return range.Contains(platform)
            ? new PlatformCompatibilityResult(true, manifest.Id, manifest.Version, required, platformVersion, null)
            : new PlatformCompatibilityResult(
                false, manifest.Id, manifest.Version, required, platformVersion,
                $"{plugin} requires Fabrix {required}; this is Fabrix {platform}.");
    }
}

/// <summary>Outcome of <see cref="PlatformCompatibility.Check(PluginManifest, SemVersion)"/>.</summary>
/// <param name="IsCompatible">True when the platform version is inside the plugin's range, or the plugin declares none.</param>
/// <param name="PluginId">The plugin's id.</param>
/// <param name="PluginVersion">The plugin's version, as declared.</param>
/// <param name="RequiredRange">The manifest's <c>platform</c> range as declared, or null when it declares none.</param>
/// <param name="PlatformVersion">The Fabrix version checked against.</param>
/// <param name="Reason">
/// When incompatible, a sentence naming both versions, e.g.
/// <c>Plugin 'billing' 2.0.0 requires Fabrix &gt;=2.0.0 &lt;3.0.0; this is Fabrix 1.0.0.</c>; otherwise null.
/// </param>
public sealed record PlatformCompatibilityResult(
    bool IsCompatible,
    string PluginId,
    string PluginVersion,
    string? RequiredRange,
    SemVersion PlatformVersion,
    string? Reason);
