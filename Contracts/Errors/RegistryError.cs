using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Contracts.Errors;

/// <summary>One problem with one field of a refused request, from the status's <c>google.rpc.BadRequest</c> detail.</summary>
/// <param name="Field">Where: a JSON path such as <c>$.security.data_classification[1]</c> for a manifest.</param>
/// <param name="Description">What is wrong, in plain English.</param>
public sealed record RegistryFieldViolation(string Field, string Description);

/// <summary>
/// A failed registry call read once, the same way by the SDK, the CLI and the console: the gRPC status, the registry's
/// message, its stable refusal code (<see cref="RefusalCodes"/>) and any field violations. Each client turns it into
/// its own words; none of them parses <c>google.rpc.Status</c> details itself.
/// </summary>
/// <param name="Status">The gRPC status code.</param>
/// <param name="Message">The status detail as sent (the registry's own sentence); may be empty.</param>
/// <param name="Code">The <c>google.rpc.ErrorInfo</c> reason (a <see cref="RefusalCodes"/> value); empty when there is none.</param>
/// <param name="Violations">The field violations of a <c>google.rpc.BadRequest</c> detail; empty when there is none.</param>
public sealed record RegistryError(StatusCode Status, string Message, string Code, IReadOnlyList<RegistryFieldViolation> Violations)
{
    /// <summary>
    /// True when the status carries the registry's <c>google.rpc.ErrorInfo</c> (domain <see cref="RefusalCodes.ErrorDomain"/>):
    /// the registry decided, or reported an outage of its own dependency, rather than something between it and the caller.
    /// </summary>
    public bool IsFromRegistry { get; init; }

    /// <summary>
    /// True when a server answered with this status; false when the gRPC client made it up because no answer arrived
    /// (it then attaches the exception it caught as <see cref="Grpc.Core.Status.DebugException"/>) or something other
    /// than a gRPC server answered over HTTP (a proxy's 502/503: "Bad gRPC response").
    /// </summary>
    public bool IsAnswer { get; init; }

    /// <summary>When no answer arrived, the message of the innermost exception the gRPC client caught (connection refused, DNS, TLS); otherwise null.</summary>
    public string? TransportCause { get; init; }

    /// <summary>Reads <paramref name="exception"/>.</summary>
    public static RegistryError From(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var status = exception.GetRpcStatus();
        var errorInfo = status?.GetDetail<ErrorInfo>();
        var violations = status?.GetDetail<BadRequest>() is { } badRequest
            ? badRequest.FieldViolations.Select(v => new RegistryFieldViolation(v.Field, v.Description)).ToArray()
            : [];
        return new RegistryError(exception.StatusCode, exception.Status.Detail ?? string.Empty, errorInfo?.Reason ?? string.Empty, violations)
        {
            IsFromRegistry = errorInfo is { Domain: RefusalCodes.ErrorDomain },
            IsAnswer = exception.Status.DebugException is null
                && !(exception.Status.Detail ?? string.Empty).StartsWith("Bad gRPC response", StringComparison.Ordinal),
            TransportCause = Innermost(exception.Status.DebugException),
        };
    }

    private static string? Innermost(Exception? exception)
    {
        while (exception?.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception?.Message;
    }
}
