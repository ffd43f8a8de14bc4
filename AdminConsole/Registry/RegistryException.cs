using Fabrix.Contracts.Manifests;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.AdminConsole.Registry;

/// <summary>
/// A registry call that failed: the gRPC status, the registry's own message (shown to the administrator as is), the
/// stable refusal code of its <c>google.rpc.ErrorInfo</c> detail and, for refused manifests, the field violations of
/// the <c>google.rpc.BadRequest</c> detail keyed by JSON path.
/// </summary>
internal sealed class RegistryException : Exception
{
    /// <summary>The registry's refusal code for "active plugins depend on it" (disable or unregister without cascade).</summary>
    public const string ActiveDependentsReason = "ACTIVE_DEPENDENTS";

    public RegistryException(StatusCode status, string message, IReadOnlyList<ManifestIssue> violations, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        Violations = violations;
    }

    public RegistryException()
        : this(StatusCode.Unknown, "The registry call failed.", [])
    {
    }

    public RegistryException(string message)
        : this(StatusCode.Unknown, message, [])
    {
    }

    public RegistryException(string message, Exception innerException)
        : this(StatusCode.Unknown, message, [], innerException)
    {
    }

    public StatusCode Status { get; }

    /// <summary>Field violations (path = JSON path of the manifest) from a <c>google.rpc.BadRequest</c> detail.</summary>
    public IReadOnlyList<ManifestIssue> Violations { get; }

    /// <summary>
    /// The refusal code from a <c>google.rpc.ErrorInfo</c> detail (the registry attaches one to every refusal, e.g.
    /// <see cref="ActiveDependentsReason"/>); empty when there is none.
    /// </summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>Maps a failed call; the registry's status detail is the message an administrator needs.</summary>
    public static RegistryException From(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var status = exception.GetRpcStatus();
        var violations = status?.GetDetail<BadRequest>() is { } badRequest
            ? badRequest.FieldViolations.Select(v => new ManifestIssue(v.Field, v.Description)).ToArray()
            : [];
        var message = exception.StatusCode switch
        {
            StatusCode.Unavailable => $"The registry is unavailable ({Describe(exception)}).",
            StatusCode.DeadlineExceeded => "The registry did not answer in time.",
            StatusCode.Unauthenticated => $"The registry did not accept your sign-in: {Describe(exception)}",
            _ => Describe(exception),
        };
        return new RegistryException(exception.StatusCode, message, violations, exception)
        {
            Reason = status?.GetDetail<ErrorInfo>()?.Reason ?? string.Empty,
        };
    }

    private static string Describe(RpcException exception) =>
        string.IsNullOrWhiteSpace(exception.Status.Detail) ? exception.StatusCode.ToString() : exception.Status.Detail;
}
