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
}
