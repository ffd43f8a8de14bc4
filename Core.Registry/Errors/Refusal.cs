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
