using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Registry.Persistence;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Webhooks;

/// <summary>An endpoint row: its wire message and its secrets as stored (Data Protection payloads).</summary>
internal sealed record StoredWebhookEndpoint(WebhookEndpoint Endpoint, string ProtectedSecret, string? ProtectedPreviousSecret, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>SQL of the outbound webhook endpoints (migration 0014). Stateless.</summary>
internal static class WebhookStore
{
    private const string Columns = """
        id, url, event_types, description, enabled, disabled_reason, failing_since, created_at, created_by, secret_rotated_at,
        previous_secret_expires_at, secret_protected, previous_secret_protected
        """;

    /// <summary>The endpoint with <paramref name="id"/>, or every endpoint when it is null, ordered by id.</summary>
    public static async Task<IReadOnlyList<StoredWebhookEndpoint>> ReadAsync(RegistryTransaction transaction, string? id, CancellationToken cancellationToken,
        bool forUpdate = false)
    {
        await using var command = transaction.CreateCommand($"""
            select {Columns} from webhook_endpoints where @id::text is null or id = @id order by id {(forUpdate ? "for update" : string.Empty)}
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter("id", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)id ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var endpoints = new List<StoredWebhookEndpoint>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var endpoint = new WebhookEndpoint
            {
                Id = reader.GetString(0),
                Url = reader.GetString(1),
                Description = reader.GetString(3),
                Enabled = reader.GetBoolean(4),
                DisabledReason = reader.GetString(5),
                FailingSince = reader.IsDBNull(6) ? null : Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(6)),
                CreatedAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(7)),
                CreatedBy = reader.GetString(8),
                SecretRotatedAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(9)),
            };
            endpoint.EventTypes.Add(reader.GetFieldValue<string[]>(2));
            DateTimeOffset? previousExpires = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10);
            var previous = reader.IsDBNull(12) ? null : reader.GetString(12);
            // A previous secret whose window has passed is gone: neither shown nor used.
            if (previous is null || previousExpires is null || previousExpires <= transaction.Now)
            {
                previous = null;
                previousExpires = null;
            }
            else
            {
                endpoint.PreviousSecretExpiresAt = Timestamp.FromDateTimeOffset(previousExpires.Value);
            }

            endpoints.Add(new StoredWebhookEndpoint(endpoint, reader.GetString(11), previous, previousExpires));
        }

        return endpoints;
    }

    public static async Task InsertAsync(RegistryTransaction transaction, string id, string url, IReadOnlyList<string> eventTypes, string description,
        string protectedSecret, string createdBy, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            insert into webhook_endpoints (id, url, event_types, description, secret_protected, secret_rotated_at, created_at, created_by)
            values (@id, @url, @types, @description, @secret, @now, @now, @by)
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("url", url);
        command.Parameters.AddWithValue("types", eventTypes.ToArray());
        command.Parameters.AddWithValue("description", description);
        command.Parameters.AddWithValue("secret", protectedSecret);
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.AddWithValue("by", createdBy);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes the endpoint; returns whether it existed.</summary>
    public static async Task<bool> DeleteAsync(RegistryTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("delete from webhook_endpoints where id = @id");
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Makes <paramref name="protectedSecret"/> current and keeps the current one as the previous until <paramref name="previousExpiresAt"/>.</summary>
    public static async Task RotateAsync(RegistryTransaction transaction, string id, string protectedSecret, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            update webhook_endpoints
            set previous_secret_protected = secret_protected, previous_secret_expires_at = @expires, secret_protected = @secret, secret_rotated_at = @now
            where id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("secret", protectedSecret);
        command.Parameters.AddWithValue("expires", previousExpiresAt);
        command.Parameters.AddWithValue("now", transaction.Now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Enables (clearing the disabled reason and failing_since) or disables with a reason.</summary>
    public static async Task SetEnabledAsync(RegistryTransaction transaction, string id, bool enabled, string disabledReason, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            update webhook_endpoints
            set enabled = @enabled, disabled_reason = @reason, failing_since = case when @enabled then null else failing_since end
            where id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("enabled", enabled);
        command.Parameters.AddWithValue("reason", enabled ? string.Empty : disabledReason);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sets or clears failing_since.</summary>
    public static async Task SetFailingSinceAsync(RegistryTransaction transaction, string id, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("update webhook_endpoints set failing_since = @since where id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.Add(new Npgsql.NpgsqlParameter("since", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)since ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
