using Fabrix.Core.Registry.Health;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>One page of installed plugins and how many match the filter over all pages.</summary>
internal sealed record PluginSummaryPage(IReadOnlyList<PluginRecord> Plugins, int TotalCount, bool HasMore);

/// <summary>
/// Keyset pages of the plugins table for <c>ListPlugins</c> (issue 7 section 3): summary columns only — the manifest
/// is never read — ordered by id, after a given id. Records carry an empty <see cref="PluginRecord.ManifestJson"/>.
/// </summary>
internal static class PluginSummaries
{
    public static async Task<PluginSummaryPage> PageAsync(RegistryTransaction transaction, PluginState? status, string? search, string? afterId, int pageSize,
        CancellationToken cancellationToken)
    {
        const string filter = """
            (@status::text is null or p.status = @status)
            and (@search::text is null or strpos(lower(p.id), lower(@search)) > 0 or strpos(lower(p.name), lower(@search)) > 0)
            """;

        int total;
        await using (var count = transaction.CreateCommand($"select count(*)::int from plugins p where {filter}"))
        {
            AddFilter(count, status, search);
            total = (int)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        await using var command = transaction.CreateCommand($"""
            select p.id, p.status, p.manifest_revision, p.name, p.version, p.description, p.contracts, p.traits,
                   p.dependencies, p.manifest_digest, p.enable_on_register, p.address, p.installed_at,
                   p.registered_at, p.last_seen_at, p.last_heartbeat_at, p.updated_at, p.health_state
            from plugins p
            where {filter} and (@after::text is null or p.id > @after)
            order by p.id
            limit @limit
            """);
        AddFilter(command, status, search);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = (object?)afterId ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", pageSize + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var plugins = new List<PluginRecord>(pageSize + 1);
        while (await reader.ReadAsync(cancellationToken))
        {
            plugins.Add(Read(reader));
        }

        var hasMore = plugins.Count > pageSize;
        if (hasMore)
        {
            plugins.RemoveAt(plugins.Count - 1);
        }

        return new PluginSummaryPage(plugins, total, hasMore);
    }

    private static void AddFilter(NpgsqlCommand command, PluginState? status, string? search)
    {
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = (status is { } s ? PluginLifecycle.ToDatabase(s) : null) ?? (object)DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("search", NpgsqlDbType.Text) { Value = string.IsNullOrWhiteSpace(search) ? DBNull.Value : search.Trim() });
    }

    private static PluginRecord Read(NpgsqlDataReader reader) => new(
        Id: reader.GetString(0),
        Status: PluginLifecycle.FromDatabase(reader.GetString(1)),
        ManifestRevision: reader.GetInt32(2),
        Name: reader.GetString(3),
        Version: reader.GetString(4),
        Description: reader.GetString(5),
        Contracts: reader.GetFieldValue<string[]>(6),
        Traits: reader.GetFieldValue<string[]>(7),
        Dependencies: reader.GetFieldValue<string[]>(8),
        ManifestJson: string.Empty,
        ManifestDigest: reader.GetString(9),
        EnableOnRegister: reader.GetBoolean(10),
        Address: reader.IsDBNull(11) ? null : reader.GetString(11),
        InstalledAt: reader.GetFieldValue<DateTimeOffset>(12),
        RegisteredAt: reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
        LastSeenAt: reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
        LastHeartbeatAt: reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
        UpdatedAt: reader.GetFieldValue<DateTimeOffset>(16),
        Health: HealthStateNames.Parse(reader.GetString(17)));
}
