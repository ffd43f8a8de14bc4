using System.Text;
using Fabrix.Contracts.Errors;
using Grpc.Core;

namespace Fabrix.Plugins.Sdk.Registration;

/// <summary>
/// How the SDK reads a failed registry call (registry.proto and SHARED.md "Registry behaviour"). Only a decision of
/// the registry is a refusal; everything else — unreachable, timed out, overloaded, internal error — is transient
/// and retried with backoff.
/// </summary>
internal static class RegistryFailure
{
    /// <summary>
    /// The registry said no to Register: PERMISSION_DENIED (not installed, or manifest differs from the installed
    /// one), INVALID_ARGUMENT (manifest or address rejected), FAILED_PRECONDITION (disabled or unregistered).
    /// Retrying fast cannot help; only an administrator can.
    /// </summary>
    public static bool IsRefusal(Exception exception) => exception is RpcException
    {
        StatusCode: StatusCode.PermissionDenied or StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.Unauthenticated,
    };

    /// <summary>RenewToken refused because the plugin is disabled or unregistered.</summary>
    public static bool IsLifecycleRefusal(Exception exception) =>
        exception is RpcException { StatusCode: StatusCode.FailedPrecondition };

    /// <summary>RenewToken (or Heartbeat) rejected the token itself: unknown, expired, or no longer valid for this plugin.</summary>
    public static bool IsTokenRejected(Exception exception) => exception is RpcException
    {
        StatusCode: StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.NotFound or StatusCode.InvalidArgument,
    };

    /// <summary>Worth retrying with backoff: anything that is not a decision of the registry.</summary>
    public static bool IsTransient(Exception exception) =>
        exception is not OperationCanceledException && !IsRefusal(exception) && !IsTokenRejected(exception);

    /// <summary>One line for logs and <see cref="PluginRegistration.Reason"/>: status, detail, and any field violations.</summary>
    public static string Describe(Exception exception)
    {
        if (exception is not RpcException rpc)
        {
            return $"{exception.GetType().Name}: {exception.Message}";
        }

        var error = RegistryError.From(rpc);
        var text = new StringBuilder();
        text.Append(error.Status).Append(": ").Append(string.IsNullOrEmpty(error.Message) ? "(no detail)" : error.Message);
        foreach (var violation in error.Violations)
        {
            text.Append("; ").Append(violation.Field).Append(": ").Append(violation.Description);
        }

        return text.ToString();
    }

    /// <summary>What an administrator has to do about a refusal, in plain English.</summary>
    public static string Advice(Exception exception, string pluginId) => exception switch
    {
        RpcException { StatusCode: StatusCode.PermissionDenied } =>
            $"not installed, or the manifest differs from the installed one: ask an administrator to install '{pluginId}' " +
            "with this exact manifest (fabrix plugins install manifest.json, or the console's Install page)",
        RpcException { StatusCode: StatusCode.FailedPrecondition } =>
            $"the plugin is disabled or unregistered: ask an administrator to enable '{pluginId}', or to install it again if it was unregistered",
        RpcException { StatusCode: StatusCode.Unauthenticated } =>
            $"the registration credential was refused (missing, wrong, rotated or revoked): ask an administrator for a new one " +
            $"(fabrix plugins credential rotate {pluginId}) and set it as {FabrixPluginOptions.SectionName}:{nameof(FabrixPluginOptions.RegistrationCredential)}",
        RpcException { StatusCode: StatusCode.InvalidArgument } =>
            "the registry rejected the manifest or the plugin address: fix them and restart the plugin",
        _ => "the registry refused the plugin",
    };
}
