namespace Fabrix.Contracts.Errors;

/// <summary>
/// The registry's stable machine-readable refusal codes, carried as the <c>google.rpc.ErrorInfo</c> reason of a gRPC
/// status (domain <see cref="ErrorDomain"/>) and as the <c>code</c> of a ProblemDetails. Wire vocabulary: the registry
/// produces them, the SDK, CLI and console read them (<see cref="RegistryError"/>); a code never changes meaning.
/// </summary>
public static class RefusalCodes
{
    /// <summary>The <c>google.rpc.ErrorInfo</c> domain on every status the registry itself produced.</summary>
    public const string ErrorDomain = "registry.fabrix";

    /// <summary>The request or the manifest breaks a rule; the status carries field violations.</summary>
    public const string InvalidArgument = "INVALID_ARGUMENT";
    /// <summary>No valid credentials.</summary>
    public const string Unauthenticated = "UNAUTHENTICATED";
    /// <summary>Authenticated, but the caller lacks the role the operation needs.</summary>
    public const string MissingRole = "MISSING_ROLE";
    /// <summary>A plugin tried to register without being installed by an administrator.</summary>
    public const string NotInstalled = "NOT_INSTALLED";
    /// <summary>The manifest presented differs from the installed one.</summary>
    public const string ManifestMismatch = "MANIFEST_MISMATCH";
    /// <summary>The plugin (or another named object) does not exist.</summary>
    public const string NotFound = "NOT_FOUND";
    /// <summary>The lifecycle does not allow this action from the plugin's current status.</summary>
    public const string IllegalTransition = "ILLEGAL_TRANSITION";
    /// <summary>The plugin is already installed.</summary>
    public const string AlreadyInstalled = "ALREADY_INSTALLED";
    /// <summary>Enable refused: a declared dependency is not active.</summary>
    public const string DependenciesNotActive = "DEPENDENCIES_NOT_ACTIVE";
    /// <summary>Enable refused: the pinned manifest no longer passes today's validation.</summary>
    public const string ManifestNoLongerValid = "MANIFEST_NO_LONGER_VALID";
    /// <summary>A plugin token was used for another plugin's operation.</summary>
    public const string NotOwnPlugin = "NOT_OWN_PLUGIN";

    // Issue 7: registration credentials and request bounds.
    /// <summary>The registration credential is missing, wrong, rotated away or revoked (UNAUTHENTICATED, 401).</summary>
    public const string InvalidRegistrationCredential = "INVALID_REGISTRATION_CREDENTIAL";

    /// <summary>Revoke when there is no credential, or it is already revoked.</summary>
    public const string CredentialAlreadyRevoked = "CREDENTIAL_ALREADY_REVOKED";

    /// <summary>A REST body whose Content-Type is not application/json (HTTP 415).</summary>
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";

    /// <summary>A request body over the endpoint's bound (HTTP 413, gRPC RESOURCE_EXHAUSTED).</summary>
    public const string RequestTooLarge = "REQUEST_TOO_LARGE";

    // Issue 3: dependencies and versions.
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

    // Issue 9 section 2: core service identity.
    /// <summary>A valid plugin or administrator token where only a core service identity may call.</summary>
    public const string NotAService = "NOT_A_SERVICE";

    // Issue 9 section 1 / issue 10 section 2: administrator lane control.
    /// <summary>An operator grant was asked for a plugin towards itself (a plugin needs no grant to reach itself).</summary>
    public const string SelfGrant = "SELF_GRANT";

    /// <summary>The operator grant to revoke does not exist.</summary>
    public const string GrantNotFound = "GRANT_NOT_FOUND";

    /// <summary>The contract has no provider preference to clear.</summary>
    public const string PreferenceNotFound = "PREFERENCE_NOT_FOUND";

    /// <summary>The plugin chosen as a contract's preferred provider does not declare that contract in its pinned manifest.</summary>
    public const string NotAProvider = "NOT_A_PROVIDER";

    // Outages: the registry could not serve the request; nothing was changed (gRPC UNAVAILABLE, HTTP 503).
    /// <summary>The registry cannot reach its database.</summary>
    public const string DatabaseUnavailable = "DATABASE_UNAVAILABLE";

    /// <summary>The registry cannot reach NATS.</summary>
    public const string MessagingUnavailable = "MESSAGING_UNAVAILABLE";

    /// <summary>The registry cannot reach another dependency.</summary>
    public const string DependencyUnavailable = "DEPENDENCY_UNAVAILABLE";
}
