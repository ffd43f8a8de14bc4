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

    /// <summary>The sentence shown when the registry cannot be reached at all (connection refused, reset, DNS, TLS).</summary>
    public const string UnreachableMessage = "The registry cannot be reached.";

    /// <summary>
    /// Maps a failed call to what an administrator reads (issue 7 section 6): the registry's own message when the
    /// registry answered, a plain sentence when it did not. Text the gRPC client produced itself ("Error starting gRPC
    /// call. HttpRequestException: Connection refused ... SocketException ...") is never shown; it stays on
    /// <see cref="Exception.InnerException"/> for whoever logs the exception.
    /// </summary>
    public static RegistryException From(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var status = exception.GetRpcStatus();
        var violations = status?.GetDetail<BadRequest>() is { } badRequest
            ? badRequest.FieldViolations.Select(v => new ManifestIssue(v.Field, v.Description)).ToArray()
            : [];
        return new RegistryException(exception.StatusCode, Sentence(exception), violations, exception)
        {
            Reason = status?.GetDetail<ErrorInfo>()?.Reason ?? string.Empty,
        };
    }

    private static string Sentence(RpcException exception)
    {
        if (!AnsweredByRegistry(exception))
        {
            return exception.StatusCode switch
            {
                StatusCode.DeadlineExceeded => "The registry did not answer in time.",
                StatusCode.ResourceExhausted => "The registry's answer is larger than the console accepts.",
                StatusCode.Cancelled => "The call to the registry was cancelled.",
                _ => UnreachableMessage,
            };
        }

        var detail = exception.Status.Detail;
        return exception.StatusCode switch
        {
            // The registry names the dependency it cannot reach ("The registry cannot reach its database."); shown as is.
            StatusCode.Unavailable => string.IsNullOrWhiteSpace(detail) ? "The registry is unavailable." : detail,
            StatusCode.DeadlineExceeded => "The registry did not answer in time.",
            StatusCode.Unauthenticated => string.IsNullOrWhiteSpace(detail)
                ? "The registry did not accept your sign-in."
                : $"The registry did not accept your sign-in: {detail}",
            // An unhandled exception in the registry: gRPC's "Exception was thrown by handler.", not a sentence for an administrator.
            StatusCode.Unknown => "The registry failed while answering; its log has the details.",
            _ => string.IsNullOrWhiteSpace(detail) ? $"The registry refused the call ({exception.StatusCode})." : detail,
        };
    }

    /// <summary>
    /// True when the status came from the registry (its trailers), false when the gRPC client made it up because no
    /// answer arrived: the client then attaches the exception it caught (<see cref="Grpc.Core.Status.DebugException"/>),
    /// or, when something other than the registry answered over HTTP (a proxy's 502/503), says "Bad gRPC response".
    /// </summary>
    private static bool AnsweredByRegistry(RpcException exception) =>
        exception.Status.DebugException is null
        && !exception.Status.Detail.StartsWith("Bad gRPC response", StringComparison.Ordinal);
}
