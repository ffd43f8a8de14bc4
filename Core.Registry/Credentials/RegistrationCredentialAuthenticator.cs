using Fabrix.Core.Registry.Persistence;

namespace Fabrix.Core.Registry.Credentials;

/// <summary>
/// Checks a presented <c>fxrc_&lt;id&gt;_&lt;secret&gt;</c> against the stored SHA-256 of the plugin's current
/// credential, comparing hashes in constant time (<see cref="RegistrationSecret.Matches"/>). Missing, malformed,
/// unknown, another plugin's, superseded (rotated), revoked and wrong credentials are all refused, each with its own
/// reason for the audit row.
/// </summary>
internal sealed class RegistrationCredentialAuthenticator(RegistryDatabase database) : IRegistrationAuthenticator
{
    public async Task<RegistrationAuthentication> AuthenticateAsync(string pluginId, string? presented, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(presented))
        {
            return RegistrationAuthentication.Refused(
                "No registration credential was presented: a plugin registers with the credential issued when it was installed (Fabrix:Plugin:RegistrationCredential).");
        }

        if (RegistrationSecret.Parse(presented) is not { } parsed)
        {
            return RegistrationAuthentication.Refused("The registration credential is malformed: expected fxrc_<credential id>_<secret>.");
        }

        var (credentialId, secret) = parsed;

        CredentialRecord? credential;
        await using (var transaction = await database.BeginAsync(cancellationToken))
        {
            credential = await CredentialStore.FindAsync(transaction, credentialId, cancellationToken);
        }

        // Hash the presented secret even when there is nothing to compare it with, so the time taken does not tell
        // an unknown credential id from a wrong secret.
        var matches = RegistrationSecret.Matches(credential?.SecretHash ?? new byte[32], secret);
        if (credential is null || !string.Equals(credential.PluginId, pluginId, StringComparison.Ordinal) || !matches)
        {
            return RegistrationAuthentication.Refused($"The registration credential is wrong for plugin '{pluginId}'.");
        }

        if (credential.SupersededAt is not null)
        {
            return RegistrationAuthentication.Refused(
                $"The registration credential {credential.CredentialId} of plugin '{pluginId}' was replaced by a rotation: use the current one.");
        }

        if (credential.RevokedAt is not null)
        {
            return RegistrationAuthentication.Refused(
                $"The registration credential {credential.CredentialId} of plugin '{pluginId}' was revoked by {credential.RevokedBy}: an administrator must rotate it.");
        }

        return RegistrationAuthentication.Proven(credential.CredentialId);
    }

    public async Task<string?> ConfirmAsync(RegistryTransaction transaction, string pluginId, RegistrationAuthentication authentication, CancellationToken cancellationToken)
    {
        var current = await CredentialStore.FindCurrentAsync(transaction, pluginId, cancellationToken);
        if (current is null || !string.Equals(current.CredentialId, authentication.CredentialId, StringComparison.Ordinal))
        {
            return $"The registration credential {authentication.CredentialId} of plugin '{pluginId}' was replaced by a rotation: use the current one.";
        }

        if (current.RevokedAt is not null)
        {
            return $"The registration credential {current.CredentialId} of plugin '{pluginId}' was revoked by {current.RevokedBy}: an administrator must rotate it.";
        }

        await CredentialStore.RecordUseAsync(transaction, current.CredentialId, cancellationToken);
        return null;
    }
}
