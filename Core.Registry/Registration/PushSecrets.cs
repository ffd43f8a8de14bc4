using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Registry.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace Fabrix.Core.Registry.Registration;

/// <summary>A plugin's push secret as stored (a Data Protection payload) with its pinned manifest.</summary>
internal sealed record StoredPushSecret(string PluginId, string ProtectedSecret, string ManifestJson, string ManifestDigest);

/// <summary>
/// Per-plugin push secrets (issue 11 section 3, migration 0015): the Standard Webhooks secret Core.Events signs HTTP
/// pushes to a plugin with. <c>whsec_</c> + base64 of 32 random bytes, generated at the plugin's first registration
/// with a push manifest and <b>kept</b> afterwards: every registration returns the same secret. Rotating on each
/// registration would make every restart, and every replica of the plugin, invalidate the secret the others hold.
/// Stored encrypted with the registry's Data Protection key ring; handed out only to the plugin itself (in its
/// registration answer, after its registration credential was checked) and to Core.Events (<see cref="PushTargetsService"/>).
/// </summary>
internal sealed class PushSecrets(IDataProtectionProvider dataProtection)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Fabrix.Core.Registry.PushSecrets.v1");

    /// <summary>The plugin's secret in clear, generated and stored when it has none; <c>Issued</c> tells which.</summary>
    public async Task<(string Secret, bool Issued)> EnsureAsync(RegistryTransaction transaction, string pluginId, CancellationToken cancellationToken)
    {
        await using (var read = transaction.CreateCommand("select secret_protected from plugin_push_secrets where plugin_id = @id"))
        {
            read.Parameters.AddWithValue("id", pluginId);
            if (await read.ExecuteScalarAsync(cancellationToken) is string stored)
            {
                return (Unprotect(stored), false);
            }
        }

        var secret = WebhookSecret.Generate();
        await using var insert = transaction.CreateCommand(
            "insert into plugin_push_secrets (plugin_id, secret_protected, created_at) values (@id, @secret, @now)");
        insert.Parameters.AddWithValue("id", pluginId);
        insert.Parameters.AddWithValue("secret", _protector.Protect(secret));
        insert.Parameters.AddWithValue("now", transaction.Now);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return (secret, true);
    }

    /// <summary>Every stored secret with its plugin's pinned manifest, ordered by plugin id.</summary>
    public static async Task<IReadOnlyList<StoredPushSecret>> ListAsync(RegistryTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select s.plugin_id, s.secret_protected, m.manifest_json, p.manifest_digest
            from plugin_push_secrets s
            join plugins p on p.id = s.plugin_id
            join plugin_manifests m on m.plugin_id = p.id and m.revision = p.manifest_revision
            order by s.plugin_id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var secrets = new List<StoredPushSecret>();
        while (await reader.ReadAsync(cancellationToken))
        {
            secrets.Add(new StoredPushSecret(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return secrets;
    }

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
