using Semver;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// The version rules of issue 3 section 3 for the registry: manifest versions are ordered by SemVer 2.0
/// precedence (build metadata ignored, so <c>1.0.0+a</c> and <c>1.0.0+b</c> are the same version; a pre-release
/// precedes its release: <c>1.0.0-alpha &lt; 1.0.0-beta &lt; 1.0.0</c>); every installed version is immutable (the
/// same id and version with different content is refused); an upgrade is a version that follows every installed one.
/// </summary>
/// <remarks>Version texts must be strict SemVer 2.0, as the validator accepts them; anything else is an <see cref="ArgumentException"/>.</remarks>
public static class ManifestVersionOrdering
{
    /// <summary>
    /// Orders version texts by precedence; versions of equal precedence (differing only in build metadata) are
    /// then ordered by their metadata, ordinally, so that sorting is deterministic.
    /// </summary>
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(static (left, right) =>
    {
        var a = Parse(left, nameof(left));
        var b = Parse(right, nameof(right));
        var precedence = a.ComparePrecedenceTo(b);
        return precedence != 0 ? precedence : a.CompareSortOrderTo(b);
    });

    /// <summary>
    /// Compares two versions by SemVer 2.0 precedence: negative when <paramref name="left"/> precedes
    /// <paramref name="right"/>, zero when they have the same precedence, positive when it follows.
    /// </summary>
    public static int Compare(string left, string right) =>
        Math.Sign(Parse(left, nameof(left)).ComparePrecedenceTo(Parse(right, nameof(right))));

    /// <summary>True when <paramref name="left"/> and <paramref name="right"/> are the same version (build metadata ignored).</summary>
    public static bool IsSameVersion(string left, string right) => Compare(left, right) == 0;

    /// <summary>True when <paramref name="candidate"/> follows <paramref name="installed"/> in precedence.</summary>
    public static bool IsUpgrade(string installed, string candidate) => Compare(candidate, installed) > 0;

    /// <summary>The version with the highest precedence, or null when there is none.</summary>
    public static string? Latest(IEnumerable<string> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        return versions.Max(Comparer);
    }

    /// <summary>
    /// Decides what installing <paramref name="candidateVersion"/> with content digest
    /// <paramref name="candidateDigest"/> (<see cref="ManifestDigest"/>) means, given the versions of the same
    /// plugin already installed:
    /// <list type="bullet">
    /// <item><see cref="ManifestVersionOutcome.Identical"/>: that version is installed with the same digest
    /// (nothing to store).</item>
    /// <item><see cref="ManifestVersionOutcome.Conflict"/>: that version (by precedence) is installed with different
    /// content; refuse, installed versions are immutable.</item>
    /// <item><see cref="ManifestVersionOutcome.InstallNew"/>: a new version that follows every installed one (a first
    /// install or an upgrade).</item>
    /// <item><see cref="ManifestVersionOutcome.Downgrade"/>: a new version that precedes the latest installed one; it
    /// is not an upgrade.</item>
    /// </list>
    /// </summary>
    public static ManifestVersionDecision Decide(IEnumerable<InstalledManifestVersion> installed, string candidateVersion, string candidateDigest)
    {
        ArgumentNullException.ThrowIfNull(installed);
        ArgumentException.ThrowIfNullOrWhiteSpace(candidateDigest);
        var candidate = Parse(candidateVersion, nameof(candidateVersion));
        var versions = installed.ToList();

        var same = versions.Find(v => Parse(v.Version, nameof(installed)).PrecedenceEquals(candidate));
        var latest = Latest(versions.Select(v => v.Version));

        if (same is not null)
        {
            if (string.Equals(same.Digest, candidateDigest, StringComparison.OrdinalIgnoreCase)
                && string.Equals(same.Version, candidateVersion, StringComparison.Ordinal))
            {
                return new ManifestVersionDecision(
                    ManifestVersionOutcome.Identical, candidateVersion, same.Version, latest,
                    $"Version {candidateVersion} is already installed with identical content.");
            }

            var reason = string.Equals(same.Version, candidateVersion, StringComparison.Ordinal)
                ? $"Version {candidateVersion} is already installed with different content; an installed version cannot change, so give the new manifest a new version."
                : $"Version {candidateVersion} is the same version as the installed {same.Version} (build metadata does not count); an installed version cannot change, so give the new manifest a new version.";
            return new ManifestVersionDecision(ManifestVersionOutcome.Conflict, candidateVersion, same.Version, latest, reason);
        }

        if (latest is null || candidate.ComparePrecedenceTo(Parse(latest, nameof(installed))) > 0)
        {
            return new ManifestVersionDecision(
                ManifestVersionOutcome.InstallNew, candidateVersion, null, latest,
                latest is null
                    ? $"Version {candidateVersion} is the first installed version."
                    : $"Version {candidateVersion} upgrades the latest installed version {latest}.");
        }

        return new ManifestVersionDecision(
            ManifestVersionOutcome.Downgrade, candidateVersion, null, latest,
            $"Version {candidateVersion} precedes the latest installed version {latest}; it is not an upgrade.");
    }

    private static SemVersion Parse(string version, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(version, parameterName);
        return SemVersion.TryParse(version, SemVersionStyles.Strict, out var parsed, ManifestReader.MaxVersionLength)
            ? parsed
            : throw new ArgumentException($"'{version}' is not a semantic version (MAJOR.MINOR.PATCH).", parameterName);
    }
}

/// <summary>A manifest version of a plugin that is already installed, with its content digest.</summary>
/// <param name="Version">The version text, as declared in the manifest.</param>
/// <param name="Digest">Its <see cref="ManifestDigest"/> (lower-case hex SHA-256; compared case-insensitively).</param>
public sealed record InstalledManifestVersion(string Version, string Digest);

/// <summary>What installing a manifest version means; see <see cref="ManifestVersionOrdering.Decide"/>.</summary>
public enum ManifestVersionOutcome
{
    /// <summary>A version not installed yet that follows every installed one (or the first version): install it.</summary>
    InstallNew,

    /// <summary>The same version with the same content is installed already: nothing to do.</summary>
    Identical,

    /// <summary>The same version (by precedence) is installed with different content: refuse.</summary>
    Conflict,

    /// <summary>A version not installed yet that precedes the latest installed one: not an upgrade.</summary>
    Downgrade,
}

/// <summary>Outcome of <see cref="ManifestVersionOrdering.Decide"/>.</summary>
/// <param name="Outcome">The decision.</param>
/// <param name="CandidateVersion">The version asked for.</param>
/// <param name="InstalledVersion">For <see cref="ManifestVersionOutcome.Identical"/> and <see cref="ManifestVersionOutcome.Conflict"/>, the installed version it matches; otherwise null.</param>
/// <param name="LatestInstalledVersion">The installed version with the highest precedence, or null when none is installed.</param>
/// <param name="Reason">A plain-English sentence naming the versions, suitable for an error or an audit row.</param>
public sealed record ManifestVersionDecision(
    ManifestVersionOutcome Outcome,
    string CandidateVersion,
    string? InstalledVersion,
    string? LatestInstalledVersion,
    string Reason);
