namespace Fabrix.Core.Registry.Errors;

/// <summary>Why the registry said no. Mapped to a gRPC status and an HTTP status in exactly one place each.</summary>
internal enum RefusalKind
{
    /// <summary>The request is malformed or the manifest breaks a rule (gRPC INVALID_ARGUMENT, HTTP 400).</summary>
    InvalidArgument,

    /// <summary>No valid credentials (gRPC UNAUTHENTICATED, HTTP 401).</summary>
    Unauthenticated,

    /// <summary>Authenticated but not allowed: missing role, not installed, manifest mismatch (PERMISSION_DENIED, 403).</summary>
    PermissionDenied,

    /// <summary>The plugin does not exist (NOT_FOUND, 404).</summary>
    NotFound,

    /// <summary>The lifecycle forbids it (FAILED_PRECONDITION, 409).</summary>
    FailedPrecondition,

    /// <summary>The plugin is already installed (ALREADY_EXISTS, 409).</summary>
    AlreadyExists,

    /// <summary>A REST body that is not <c>application/json</c> (HTTP 415; gRPC INVALID_ARGUMENT, which has no media types).</summary>
    UnsupportedMediaType,

    /// <summary>A request over its size bound (HTTP 413, gRPC RESOURCE_EXHAUSTED).</summary>
    TooLarge,
}

/// <summary>A problem with one field of a request; <see cref="Field"/> is a JSON path such as <c>$.security.data_classification[1]</c>.</summary>
internal sealed record FieldViolation(string Field, string Description);

/// <summary>
/// A refusal as a value: kind, a stable machine code (<c>NOT_INSTALLED</c>, <c>ILLEGAL_TRANSITION</c>, ...), a reason a
/// person can read, and field violations for invalid input.
/// </summary>
internal sealed record Refusal(RefusalKind Kind, string Code, string Reason, IReadOnlyList<FieldViolation> Violations)
{
    public static Refusal Invalid(string reason, IReadOnlyList<FieldViolation> violations) =>
        new(RefusalKind.InvalidArgument, RefusalCodes.InvalidArgument, reason, violations);

    public static Refusal Of(RefusalKind kind, string code, string reason) => new(kind, code, reason, []);

    /// <summary>An administrator asked about a plugin id that is not installed (NOT_FOUND).</summary>
    public static Refusal PluginNotFound(string id) => Of(RefusalKind.NotFound, RefusalCodes.NotFound, $"Plugin '{id}' is not installed.");

    public RegistryRefusalException ToException() => new(this);
}

/// <summary>Stable machine-readable codes carried as google.rpc.ErrorInfo reason and ProblemDetails <c>code</c>.</summary>
internal static class RefusalCodes
{
    public const string InvalidArgument = "INVALID_ARGUMENT";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string MissingRole = "MISSING_ROLE";
    public const string NotInstalled = "NOT_INSTALLED";
    public const string ManifestMismatch = "MANIFEST_MISMATCH";
    public const string NotFound = "NOT_FOUND";
    public const string IllegalTransition = "ILLEGAL_TRANSITION";
    public const string AlreadyInstalled = "ALREADY_INSTALLED";
    public const string DependenciesNotActive = "DEPENDENCIES_NOT_ACTIVE";
    public const string ManifestNoLongerValid = "MANIFEST_NO_LONGER_VALID";
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

    /// <summary>A valid plugin or administrator token where only a core service identity may call (issue 9 section 2).</summary>
    public const string NotAService = "NOT_A_SERVICE";
}
