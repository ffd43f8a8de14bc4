using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Registry.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace Fabrix.Core.Registry.Registration;

/// <summary>
/// A plugin's push secret as stored (a Data Protection payload) with its pinned manifest, and the previous secrets still
/// within their overlap window (newest first).
/// </summary>
internal sealed record StoredPushSecret(string PluginId, string ProtectedSecret, string ManifestJson, string ManifestDigest,
    IReadOnlyList<string> PreviousProtected);

/// <summary>
/// Per-plugin push secrets (issue 11 section 3, migration 0015): the Standard Webhooks secret Core.Events signs HTTP
/// pushes to a plugin with. <c>whsec_</c> + base64 of 32 random bytes, generated at the plugin's first registration
/// with a push manifest and <b>kept</b> afterwards: every registration returns the same secret. Rotating on each
/// registration would make every restart, and every replica of the plugin, invalidate the secret the others hold.
/// Stored encrypted with the registry's Data Protection key ring; handed out only to the plugin itself (in its
/// registration answer, after its registration credential was checked) and to Core.Events (<see cref="PushTargetsService"/>).
/// An administrator rotates it (<see cref="PushSecretAdministration"/>, migration 0016): the new secret becomes current
/// and the old one moves to <c>plugin_push_secrets_previous</c> until its overlap window ends; Core.Events signs with
/// every secret still valid, and the plugin learns the new one with its next token renewal (<see cref="FindCurrentAsync"/>).
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

    /// <summary>The plugin's current secret in clear when its pinned manifest declares push delivery and it holds one.</summary>
    public async Task<string?> FindCurrentAsync(RegistryTransaction transaction, string pluginId, CancellationToken cancellationToken) =>
        await FindAsync(transaction, pluginId, cancellationToken) is { ProtectedSecret: { } stored } plugin && PushPathOf(plugin.ManifestJson) is not null
            ? Unprotect(stored)
            : null;

    /// <summary>The plugin's pinned manifest and its current secret (still protected; null when it has none), or null for an unknown plugin.</summary>
    public static async Task<(string ManifestJson, string? ProtectedSecret)?> FindAsync(RegistryTransaction transaction, string pluginId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select m.manifest_json, s.secret_protected
            from plugins p
            join plugin_manifests m on m.plugin_id = p.id and m.revision = p.manifest_revision
            left join plugin_push_secrets s on s.plugin_id = p.id
            where p.id = @id
            """);
        command.Parameters.AddWithValue("id", pluginId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    /// <summary>
    /// Makes a new secret current and keeps the replaced one valid until <paramref name="previousValidUntil"/>; drops
    /// previous secrets whose window has ended. The caller holds the plugin's lock and checked that it has a secret.
    /// </summary>
    public async Task RotateAsync(RegistryTransaction transaction, string pluginId, DateTimeOffset previousValidUntil, CancellationToken cancellationToken)
    {
        await using (var expired = transaction.CreateCommand("delete from plugin_push_secrets_previous where plugin_id = @id and valid_until <= @now"))
        {
            expired.Parameters.AddWithValue("id", pluginId);
            expired.Parameters.AddWithValue("now", transaction.Now);
            await expired.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var keep = transaction.CreateCommand("""
            insert into plugin_push_secrets_previous (plugin_id, secret_protected, valid_until)
            select plugin_id, secret_protected, @until from plugin_push_secrets where plugin_id = @id
            """))
        {
            keep.Parameters.AddWithValue("id", pluginId);
            keep.Parameters.AddWithValue("until", previousValidUntil);
            await keep.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var replace = transaction.CreateCommand(
            "update plugin_push_secrets set secret_protected = @secret, rotated_at = @now where plugin_id = @id");
        replace.Parameters.AddWithValue("id", pluginId);
        replace.Parameters.AddWithValue("secret", _protector.Protect(WebhookSecret.Generate()));
        replace.Parameters.AddWithValue("now", transaction.Now);
        await replace.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every stored secret with its plugin's pinned manifest and its previous secrets still valid at the transaction's time, ordered by plugin id.</summary>
    public static async Task<IReadOnlyList<StoredPushSecret>> ListAsync(RegistryTransaction transaction, CancellationToken cancellationToken)
    {
        var previous = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using (var command = transaction.CreateCommand(
            "select plugin_id, secret_protected from plugin_push_secrets_previous where valid_until > @now order by plugin_id, valid_until desc"))
        {
            command.Parameters.AddWithValue("now", transaction.Now);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var pluginId = reader.GetString(0);
                if (!previous.TryGetValue(pluginId, out var list))
                {
                    previous[pluginId] = list = [];
                }

                list.Add(reader.GetString(1));
            }
        }

        await using var current = transaction.CreateCommand("""
            select s.plugin_id, s.secret_protected, m.manifest_json, p.manifest_digest
            from plugin_push_secrets s
            join plugins p on p.id = s.plugin_id
            join plugin_manifests m on m.plugin_id = p.id and m.revision = p.manifest_revision
            order by s.plugin_id
            """);
        await using var rows = await current.ExecuteReaderAsync(cancellationToken);
        var secrets = new List<StoredPushSecret>();
        while (await rows.ReadAsync(cancellationToken))
        {
            var pluginId = rows.GetString(0);
            secrets.Add(new StoredPushSecret(pluginId, rows.GetString(1), rows.GetString(2), rows.GetString(3),
                previous.TryGetValue(pluginId, out var list) ? list : []));
        }

        return secrets;
    }

    /// <summary>The push path of a pinned manifest that declares push delivery, or null (stream delivery, or no events).</summary>
    public static string? PushPathOf(string manifestJson) =>
        ManifestValidator.Validate(manifestJson).Manifest?.Events is { Delivery: EventDelivery.Push, PushPath: { } path } ? path : null;

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
