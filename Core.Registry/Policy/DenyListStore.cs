using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Persistence;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Policy;

/// <summary>SQL of the Proxy lane's global deny list (migration 0013), read into its wire message. Stateless.</summary>
internal static class DenyListStore
{
    /// <summary>The entries with the patterns named, or every entry when <paramref name="patterns"/> is null, ordered by pattern.</summary>
    public static async Task<IReadOnlyList<DeniedDomain>> ReadAsync(RegistryTransaction transaction, string[]? patterns, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select pattern, added_by, added_at, reason from egress_denied_domains
            where @patterns::text[] is null or pattern = any(@patterns) order by pattern
            """);
        command.Parameters.Add(new NpgsqlParameter("patterns", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)patterns ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<DeniedDomain>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new DeniedDomain
            {
                Pattern = reader.GetString(0),
                AddedBy = reader.GetString(1),
                AddedAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(2)),
                Reason = reader.GetString(3),
            });
        }

        return entries;
    }

    /// <summary>Inserts the pattern unless it is listed; returns whether it was inserted.</summary>
    public static async Task<bool> InsertAsync(RegistryTransaction transaction, string pattern, string addedBy, string reason, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            insert into egress_denied_domains (pattern, added_by, added_at, reason) values (@pattern, @by, @now, @reason)
            on conflict (pattern) do nothing
            """);
        command.Parameters.AddWithValue("pattern", pattern);
        command.Parameters.AddWithValue("by", addedBy);
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.AddWithValue("reason", reason);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes the pattern; returns whether it was listed.</summary>
    public static async Task<bool> DeleteAsync(RegistryTransaction transaction, string pattern, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("delete from egress_denied_domains where pattern = @pattern");
        command.Parameters.AddWithValue("pattern", pattern);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
