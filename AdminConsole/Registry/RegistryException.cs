using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Manifests;
using Grpc.Core;

namespace Fabrix.AdminConsole.Registry;

/// <summary>
/// A registry call that failed: the gRPC status, the registry's own message (shown to the administrator as is), the
/// stable refusal code of its <c>google.rpc.ErrorInfo</c> detail and, for refused manifests, the field violations of
/// the <c>google.rpc.BadRequest</c> detail keyed by JSON path.
/// </summary>
internal sealed class RegistryException : Exception
{
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
    /// <see cref="RefusalCodes.ActiveDependents"/>); empty when there is none.
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
        var error = RegistryError.From(exception);
        var violations = error.Violations.Select(v => new ManifestIssue(v.Field, v.Description)).ToArray();
        return new RegistryException(error.Status, Sentence(error), violations, exception) { Reason = error.Code };
    }

    private static string Sentence(RegistryError error)
    {
        if (!error.IsAnswer)
        {
            return error.Status switch
            {
                StatusCode.DeadlineExceeded => "The registry did not answer in time.",
                StatusCode.ResourceExhausted => "The registry's answer is larger than the console accepts.",
                StatusCode.Cancelled => "The call to the registry was cancelled.",
                _ => UnreachableMessage,
            };
        }

        var detail = error.Message;
        return error.Status switch
        {
            // The registry names the dependency it cannot reach ("The registry cannot reach its database."); shown as is.
            StatusCode.Unavailable => string.IsNullOrWhiteSpace(detail) ? "The registry is unavailable." : detail,
            StatusCode.DeadlineExceeded => "The registry did not answer in time.",
            StatusCode.Unauthenticated => string.IsNullOrWhiteSpace(detail)
                ? "The registry did not accept your sign-in."
                : $"The registry did not accept your sign-in: {detail}",
            // An unhandled exception in the registry: gRPC's "Exception was thrown by handler.", not a sentence for an administrator.
            StatusCode.Unknown => "The registry failed while answering; its log has the details.",
            _ => string.IsNullOrWhiteSpace(detail) ? $"The registry refused the call ({error.Status})." : detail,
        };
    }
}
