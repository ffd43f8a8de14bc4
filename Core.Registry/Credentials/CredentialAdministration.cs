using System.Text.Json.Nodes;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using AuditLog = Fabrix.Core.Registry.Audit.AuditLog;

namespace Fabrix.Core.Registry.Credentials;

/// <summary>
/// Rotating and revoking a plugin's registration credential (issue 7 section 1). Callers are already authorized
/// (<c>admin</c> or <c>plugin_manager</c>). Each change is audited in its transaction, under the plugin's lock (the
/// lock registration confirms its credential under); each refusal in its own. Neither touches tokens already issued:
/// they expire on their own (disable the plugin to stop it at once).
/// </summary>
internal sealed class CredentialAdministration(RegistryDatabase database, AuditLog audit)
{
    /// <summary>Issues a new credential; the previous one (revoked or not) stops working at once.</summary>
    public Task<RotateRegistrationCredentialResponse> RotateAsync(string id, string reason, Caller caller, CancellationToken cancellationToken) =>
        PluginSecretChange.RunAsync(database, audit, caller, AuditActions.RotateCredential, id, async (transaction, plugin) =>
        {
            var previous = await CredentialStore.FindCurrentAsync(transaction, id, cancellationToken);
            var (issued, record) = await CredentialStore.IssueAsync(transaction, id, caller.Actor, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.RotateCredential, id, PluginSecretChange.ReasonOr(reason, "registration credential rotated"),
                new JsonObject
                {
                    ["credential_id"] = issued.CredentialId,
                    ["previous_credential_id"] = previous?.CredentialId,
                    ["previous_was_revoked"] = previous?.RevokedAt is not null,
                },
                cancellationToken);
            var detail = await PluginDetails.ReadAsync(transaction, plugin, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new RotateRegistrationCredentialResponse { Plugin = detail, Credential = CredentialProjection.ToIssued(issued, record) };
        }, cancellationToken);

    /// <summary>Revokes the current credential: registration is refused until a rotation issues a new one.</summary>
    public Task<PluginDetail> RevokeAsync(string id, string reason, Caller caller, CancellationToken cancellationToken) =>
        PluginSecretChange.RunAsync(database, audit, caller, AuditActions.RevokeCredential, id, async (transaction, plugin) =>
        {
            var current = await CredentialStore.FindCurrentAsync(transaction, id, cancellationToken);
            if (current is null || current.RevokedAt is not null)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.RevokeCredential, id,
                    Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.CredentialAlreadyRevoked,
                        $"Plugin '{id}' has no registration credential to revoke{(current is null ? string.Empty : $": {current.CredentialId} was revoked by {current.RevokedBy}")}. Rotate to issue a new one."),
                    null, cancellationToken);
            }

            await CredentialStore.RevokeAsync(transaction, current, caller.Actor, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.RevokeCredential, id, PluginSecretChange.ReasonOr(reason, "registration credential revoked"),
                new JsonObject { ["credential_id"] = current.CredentialId }, cancellationToken);
            var detail = await PluginDetails.ReadAsync(transaction, plugin, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return detail;
        }, cancellationToken);
}
