using System.Reflection;
using Semver;

namespace Fabrix.Contracts.Platform;

/// <summary>
/// The version of the running Fabrix platform, against which a manifest's <c>platform</c> range is checked
/// (issue 3 section 3).
/// </summary>
/// <remarks>
/// The single source is MSBuild's <c>Version</c> property (set repository-wide in <c>Directory.Build.props</c>;
/// the .NET SDK's default is <c>1.0.0</c>), which the build stamps into this assembly's
/// <see cref="AssemblyInformationalVersionAttribute"/> (with <c>+commit</c> build metadata when built from git).
/// Every core service, the console and the CLI reference this assembly, so they all report the same version.
/// </remarks>
public static class FabrixPlatform
{
    private static readonly Lazy<SemVersion> s_version = new(ReadVersion);

    /// <summary>
    /// The running Fabrix version without build metadata (which plays no part in precedence or range checks),
    /// e.g. <c>1.0.0</c>.
    /// </summary>
    public static SemVersion Version => s_version.Value;

    /// <summary>The informational version as stamped by the build, e.g. <c>1.0.0+50a4edb...</c>.</summary>
    public static string InformationalVersion =>
        typeof(FabrixPlatform).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? throw new InvalidOperationException("Fabrix.Contracts carries no AssemblyInformationalVersion; the build sets it from <Version>.");

    private static SemVersion ReadVersion()
    {
        var text = InformationalVersion;
        if (!SemVersion.TryParse(text, SemVersionStyles.Strict, out var version))
        {
            throw new InvalidOperationException(
                $"The Fabrix version '{text}' is not a semantic version; set <Version> in Directory.Build.props to MAJOR.MINOR.PATCH.");
        }

        return version.WithoutMetadata();
    }
}
