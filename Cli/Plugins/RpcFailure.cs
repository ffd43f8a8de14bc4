using System.Text;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// Turns a registry <see cref="RpcException"/> into one line (plus the field violations of an invalid manifest)
/// and an exit code: 1 when the registry refused, 2 when it could not be reached or the address is not a registry.
/// </summary>
internal static class RpcFailure
{
    public static CliFailureException From(RpcException exception, Uri registry)
    {
        var detail = string.IsNullOrWhiteSpace(exception.Status.Detail) ? exception.StatusCode.ToString() : exception.Status.Detail.TrimEnd('.');
        return exception.StatusCode switch
        {
            StatusCode.InvalidArgument => new CliFailureException(InvalidArgument(exception, detail), ExitCodes.Refused),
            StatusCode.PermissionDenied => new CliFailureException($"Permission denied: {detail}.", ExitCodes.Refused),
            StatusCode.Unauthenticated => new CliFailureException(
                $"Not authenticated: {detail}. Check --token, or the development key and that the registry runs in Development.", ExitCodes.Refused),
            StatusCode.NotFound => new CliFailureException($"Not found: {detail}.", ExitCodes.Refused),
            StatusCode.FailedPrecondition => new CliFailureException($"Not allowed now: {detail}.", ExitCodes.Refused),
            StatusCode.AlreadyExists => new CliFailureException($"Already exists: {detail}.", ExitCodes.Refused),
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => new CliFailureException(
                $"Cannot reach the registry at {registry}: {Innermost(exception) ?? detail}.", ExitCodes.UsageOrIo),
            StatusCode.Unimplemented => new CliFailureException(
                $"{registry} does not serve the registry API ({detail}); check --registry points at the registry's gRPC endpoint.", ExitCodes.UsageOrIo),
            StatusCode.Cancelled => new CliFailureException("Cancelled.", ExitCodes.UsageOrIo),
            _ => new CliFailureException($"The registry failed ({exception.StatusCode}): {detail}.", ExitCodes.Refused),
        };
    }

    private static string InvalidArgument(RpcException exception, string detail)
    {
        var text = new StringBuilder($"Invalid request: {detail}.");
        var violations = exception.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations;
        foreach (var violation in violations ?? [])
        {
            text.AppendLine().Append("  ").Append(violation.Field).Append(": ").Append(violation.Description);
        }

        return text.ToString();
    }

    private static string? Innermost(RpcException exception)
    {
        Exception? inner = exception.Status.DebugException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner?.Message.TrimEnd('.');
    }
}
