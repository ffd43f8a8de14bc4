using Fabrix.Core.Registry.Persistence;
using Npgsql;

namespace Fabrix.Core.Registry.Credentials;

/// <summary>One stored registration credential: metadata and the SHA-256 of its secret, never the secret.</summary>
internal sealed record CredentialRecord(
    string CredentialId,
    string PluginId,
    byte[] SecretHash,
    DateTimeOffset IssuedAt,
    string IssuedBy,
    DateTimeOffset? RevokedAt,
    string? RevokedBy,
    DateTimeOffset? SupersededAt,
    DateTimeOffset? LastUsedAt);

/// <summary>SQL for <c>registration_credentials</c> (migration 0005). Stateless.</summary>
internal static class CredentialStore
{
    private const string SelectCredential = """
        select credential_id, plugin_id, secret_sha256, issued_at, issued_by, revoked_at, revoked_by, superseded_at, last_used_at
        from registration_credentials
        """;

    /// <summary>Supersedes the plugin's current credential (if any) and stores a new one; returns it with its secret, once.</summary>
    public static async Task<(IssuedCredential Issued, CredentialRecord Record)> IssueAsync(RegistryTransaction transaction, string pluginId, string issuedBy,
        CancellationToken cancellationToken)
    {
        await using (var supersede = transaction.CreateCommand(
            "update registration_credentials set superseded_at = @now where plugin_id = @plugin_id and superseded_at is null"))
        {
            supersede.Parameters.AddWithValue("plugin_id", pluginId);
            supersede.Parameters.AddWithValue("now", transaction.Now);
            await supersede.ExecuteNonQueryAsync(cancellationToken);
        }

        var issued = RegistrationSecret.Generate();
        await using (var insert = transaction.CreateCommand("""
            insert into registration_credentials (credential_id, plugin_id, secret_sha256, issued_at, issued_by)
            values (@credential_id, @plugin_id, @hash, @now, @by)
            """))
        {
            insert.Parameters.AddWithValue("credential_id", issued.CredentialId);
            insert.Parameters.AddWithValue("plugin_id", pluginId);
            insert.Parameters.AddWithValue("hash", issued.SecretHash);
            insert.Parameters.AddWithValue("now", transaction.Now);
            insert.Parameters.AddWithValue("by", issuedBy);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return (issued, new CredentialRecord(issued.CredentialId, pluginId, issued.SecretHash, transaction.Now, issuedBy, null, null, null, null));
    }

    public static async Task<CredentialRecord?> FindAsync(RegistryTransaction transaction, string credentialId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand($"{SelectCredential} where credential_id = @id");
        command.Parameters.AddWithValue("id", credentialId);
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>The plugin's current (not superseded) credential, revoked or not; null when none was issued.</summary>
    public static async Task<CredentialRecord?> FindCurrentAsync(RegistryTransaction transaction, string pluginId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand($"{SelectCredential} where plugin_id = @plugin_id and superseded_at is null");
        command.Parameters.AddWithValue("plugin_id", pluginId);
        return await ReadOneAsync(command, cancellationToken);
    }

    public static async Task<CredentialRecord> RevokeAsync(RegistryTransaction transaction, CredentialRecord credential, string revokedBy, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand(
            "update registration_credentials set revoked_at = @now, revoked_by = @by where credential_id = @id");
        command.Parameters.AddWithValue("id", credential.CredentialId);
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.AddWithValue("by", revokedBy);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return credential with { RevokedAt = transaction.Now, RevokedBy = revokedBy };
    }

    public static async Task RecordUseAsync(RegistryTransaction transaction, string credentialId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("update registration_credentials set last_used_at = @now where credential_id = @id");
        command.Parameters.AddWithValue("id", credentialId);
        command.Parameters.AddWithValue("now", transaction.Now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<CredentialRecord?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new CredentialRecord(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetFieldValue<byte[]>(2),
            reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
            reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8));
    }
}
