using System.Globalization;
using System.Text;
using Fabrix.Contracts.Errors;
using Grpc.Core;

namespace Fabrix.Cli.Plugins;

/// <summary>
/// Turns a registry <see cref="RpcException"/> into one plain sentence (plus the field violations of an invalid
/// manifest) and an exit code that says what happened (issue 7 sections 3 and 6): 1 when the registry refused; 2 when
/// it could not be reached, did not answer in time, or answered that a service it depends on is down; 3 when it failed
/// while handling the request. Never "failed" for a refusal, never a refusal for an outage.
/// </summary>
internal static class RpcFailure
{
    public static CliFailureException From(RpcException exception, Uri registry)
    {
        var error = RegistryError.From(exception);
        var detail = string.IsNullOrWhiteSpace(error.Message) ? error.Status.ToString() : error.Message.TrimEnd('.');
        return error.Status switch
        {
            StatusCode.InvalidArgument => new CliFailureException(InvalidArgument(error, detail), ExitCodes.Refused),
            StatusCode.PermissionDenied => new CliFailureException($"Permission denied: {detail}.", ExitCodes.Refused),
            StatusCode.Unauthenticated => new CliFailureException(
                $"Not authenticated: {detail}. Check --token, or the development key and that the registry runs in Development.", ExitCodes.Refused),
            StatusCode.NotFound => new CliFailureException($"Not found: {detail}.", ExitCodes.Refused),
            StatusCode.FailedPrecondition => new CliFailureException($"Not allowed now: {detail}.", ExitCodes.Refused),
            StatusCode.AlreadyExists => new CliFailureException($"Already exists: {detail}.", ExitCodes.Refused),
            // The CLI sets no receive limit (RegistryChannel), so this is the registry's answer: too large, or too many.
            StatusCode.ResourceExhausted => new CliFailureException($"The registry refused the request: {detail}.", ExitCodes.Refused),
            StatusCode.Unavailable when error.IsFromRegistry => new CliFailureException(
                $"Cannot complete the request now: {LowerFirst(detail)}.", ExitCodes.UsageOrIo),
            StatusCode.Unavailable => new CliFailureException(
                $"Cannot reach the registry at {registry}: {error.TransportCause?.TrimEnd('.') ?? detail}.", ExitCodes.UsageOrIo),
            StatusCode.DeadlineExceeded => new CliFailureException(
                $"The registry at {registry} did not answer in time; the request may or may not have been carried out (check before retrying).",
                ExitCodes.UsageOrIo),
            StatusCode.Unimplemented => new CliFailureException(
                $"{registry} does not serve the registry API ({detail}); check --registry points at the registry's gRPC endpoint.", ExitCodes.UsageOrIo),
            StatusCode.Cancelled => new CliFailureException("Cancelled.", ExitCodes.UsageOrIo),
            _ => new CliFailureException(
                $"The registry failed while handling the request ({error.Status}: {detail}); it may or may not have been carried out, and the registry's log has the cause.",
                ExitCodes.RegistryError),
        };
    }

    private static string LowerFirst(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLower(text[0], CultureInfo.InvariantCulture) + text[1..] : text;

    private static string InvalidArgument(RegistryError error, string detail)
    {
        var text = new StringBuilder($"Invalid request: {detail}.");
        foreach (var violation in error.Violations)
        {
            text.AppendLine().Append("  ").Append(violation.Field).Append(": ").Append(violation.Description);
        }

        return text.ToString();
    }
}
