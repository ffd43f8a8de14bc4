using Fabrix.Contracts.Manifests;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>
/// One installed version of a plugin as administrators see it (registry.proto <c>PluginVersionInfo</c>), with
/// <see cref="Revision"/>, the stored revision that stands for it.
/// </summary>
internal sealed record PluginVersionView(string Version, string Digest, DateTimeOffset InstalledAt, string InstalledBy, bool Pinned, int Revision);

/// <summary>
/// The installed versions of one plugin (issue 3 section 3), from its stored manifest revisions. Pure.
/// </summary>
/// <remarks>
/// Before schema 3 a reinstall stored an identical manifest again as a new revision; revisions with the same version
/// text and digest are therefore one version, shown with its first installation (time and actor) and pinned when any
/// of them is. Since schema 3 an identical reinstall pins the existing revision instead.
/// </remarks>
internal static class PluginVersions
{
    /// <summary>The versions, newest first by SemVer precedence (build metadata, then the newer revision, breaks ties).</summary>
    public static IReadOnlyList<PluginVersionView> Describe(IReadOnlyList<ManifestVersionRecord> revisions, int pinnedRevision) =>
    [
        .. revisions
            .GroupBy(r => (r.Version, r.Digest))
            .Select(group =>
            {
                var first = group.MinBy(r => r.Revision)!;
                var pinned = group.Any(r => r.Revision == pinnedRevision);
                var revision = pinned ? pinnedRevision : group.Max(r => r.Revision);
                return new PluginVersionView(first.Version, first.Digest, first.InstalledAt, first.InstalledBy, pinned, revision);
            })
            .OrderByDescending(v => v.Version, ManifestVersionOrdering.Comparer)
            .ThenByDescending(v => v.Revision),
    ];

    /// <summary>The installed versions in the shape <see cref="ManifestVersionOrdering.Decide"/> takes.</summary>
    public static IReadOnlyList<InstalledManifestVersion> ForOrdering(IReadOnlyList<ManifestVersionRecord> revisions) =>
        [.. revisions.Select(r => new InstalledManifestVersion(r.Version, r.Digest)).Distinct()];

    /// <summary>
    /// The installed version whose text is exactly <paramref name="version"/> (ordinal), or null. Should two revisions
    /// carry the same text with different content (possible only before schema 3), the newest revision wins.
    /// </summary>
    public static ManifestVersionRecord? Find(IReadOnlyList<ManifestVersionRecord> revisions, string version) =>
        revisions.Where(r => string.Equals(r.Version, version, StringComparison.Ordinal)).MaxBy(r => r.Revision);

    /// <summary>The newest revision whose content digest is <paramref name="digest"/>, or null.</summary>
    public static ManifestVersionRecord? FindByDigest(IReadOnlyList<ManifestVersionRecord> revisions, string digest) =>
        revisions.Where(r => string.Equals(r.Digest, digest, StringComparison.Ordinal)).MaxBy(r => r.Revision);
}
