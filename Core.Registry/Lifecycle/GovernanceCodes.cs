namespace Fabrix.Core.Registry.Lifecycle;

/// <summary>
/// Stable refusal codes of issue 3's dependency and version rules, carried like those of
/// <see cref="Errors.RefusalCodes"/> (google.rpc.ErrorInfo reason, ProblemDetails <c>code</c>).
/// </summary>
internal static class GovernanceCodes
{
    /// <summary>A declared dependency is not installed (install, upgrade, rollback).</summary>
    public const string DependenciesNotInstalled = "DEPENDENCIES_NOT_INSTALLED";

    /// <summary>The dependencies would form (or form) a cycle; the message names it: <c>a → b → c → a</c>.</summary>
    public const string DependencyCycle = "DEPENDENCY_CYCLE";

    /// <summary>Disable or unregister without cascade while active plugins depend on the plugin.</summary>
    public const string ActiveDependents = "ACTIVE_DEPENDENTS";

    /// <summary>Uninstall while installed plugins declare the plugin as a dependency.</summary>
    public const string InstalledDependents = "INSTALLED_DEPENDENTS";

    /// <summary>The manifest's <c>platform</c> range excludes the running Fabrix version.</summary>
    public const string PlatformIncompatible = "PLATFORM_INCOMPATIBLE";

    /// <summary>The version is already installed (identical content, or different content: versions are immutable).</summary>
    public const string VersionExists = "VERSION_EXISTS";

    /// <summary>An upgrade whose version does not follow every installed version.</summary>
    public const string NotAnUpgrade = "NOT_AN_UPGRADE";

    /// <summary>The upgrade asks for more permissions and was not explicitly approved.</summary>
    public const string ApprovalRequired = "PERMISSION_APPROVAL_REQUIRED";

    /// <summary>Rollback to a version that is not installed.</summary>
    public const string VersionNotInstalled = "VERSION_NOT_INSTALLED";

    /// <summary>Rollback to the version that is already pinned.</summary>
    public const string VersionAlreadyPinned = "VERSION_ALREADY_PINNED";
}
