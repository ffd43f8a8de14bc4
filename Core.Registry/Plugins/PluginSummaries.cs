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
            select {PluginStore.PluginColumns(withManifest: false)}
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
            plugins.Add(PluginStore.Read(reader));
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
}
