using System.Text.Json.Nodes;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using AuditLog = Fabrix.Core.Registry.Audit.AuditLog;

namespace Fabrix.Core.Registry.Registration;

/// <summary>
/// Rotating a push plugin's secret (issue 11 section 3). Callers are already authorized (<c>admin</c> or
/// <c>plugin_manager</c>). Under the plugin's lock (the lock registration and renewal read the secret under), the new
/// secret becomes current and the previous one stays valid for <see cref="PushSecretOptions.Overlap"/>; the change is
/// audited in the same transaction with the window's end, never a secret; a refusal is audited in its own. Core.Events
/// reads the secrets again within its refresh interval (5 s by default) and the plugin gets the new one with its next
/// token renewal.
/// </summary>
internal sealed class PushSecretAdministration(RegistryDatabase database, AuditLog audit, PushSecrets secrets, IOptions<PushSecretOptions> options)
{
    public Task<RotatePushSecretResponse> RotateAsync(string id, string reason, Caller caller, CancellationToken cancellationToken) =>
        PluginSecretChange.RunAsync(database, audit, caller, AuditActions.RotatePushSecret, id, async (transaction, plugin) =>
        {
            var stored = await PushSecrets.FindAsync(transaction, id, cancellationToken);
            if (stored is not { ProtectedSecret: not null } found || PushSecrets.PushPathOf(found.ManifestJson) is null)
            {
                var problem = stored is { } known && PushSecrets.PushPathOf(known.ManifestJson) is not null
                    ? $"Plugin '{id}' has no push secret yet: it gets one when it first registers with its push manifest."
                    : $"Plugin '{id}' does not receive its events by HTTP push (its pinned manifest's events.delivery is not \"push\"), so it has no push secret to rotate.";
                throw await audit.RefuseAsync(transaction, caller, AuditActions.RotatePushSecret, id,
                    Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.PushSecretNotIssued, problem), null, cancellationToken);
            }

            var validUntil = transaction.Now + options.Value.Overlap;
            await secrets.RotateAsync(transaction, id, validUntil, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.RotatePushSecret, id,
                PluginSecretChange.ReasonOr(reason, "push secret rotated"),
                new JsonObject { ["previous_valid_until"] = validUntil.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
                cancellationToken);
            var detail = await PluginDetails.ReadAsync(transaction, plugin, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new RotatePushSecretResponse
            {
                Plugin = detail,
                RotatedAt = Timestamp.FromDateTimeOffset(transaction.Now),
                PreviousValidUntil = Timestamp.FromDateTimeOffset(validUntil),
            };
        }, cancellationToken);
}
