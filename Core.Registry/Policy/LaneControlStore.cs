using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Persistence;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// SQL of the administrator's lane control (migration 0012): per-plugin lane limit overrides, operator grants and
/// contract provider preferences, read into their wire messages. Stateless.
/// </summary>
internal static class LaneControlStore
{
    private const string LimitColumns = """
        plugin_id, operator_rps, operator_burst, proxy_rps, proxy_burst, proxy_bytes_per_second, proxy_mode,
        canonical_publish_rps, canonical_publish_burst, set_by, set_at, reason
        """;

    /// <summary>The overrides of the plugins named, or of every plugin when <paramref name="pluginIds"/> is null, by plugin id.</summary>
    public static async Task<Dictionary<string, PluginLaneLimits>> ReadLimitsAsync(RegistryTransaction transaction, string[]? pluginIds,
        CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand($"""
            select {LimitColumns} from lane_limits where @ids::text[] is null or plugin_id = any(@ids) order by plugin_id
            """);
        command.Parameters.Add(TextArray("ids", pluginIds));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var limits = new Dictionary<string, PluginLaneLimits>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var entry = ReadLimits(reader);
            limits[entry.PluginId] = entry;
        }

        return limits;
    }

    /// <summary>
    /// Stores <paramref name="limits"/> as the plugin's overrides (replacing every part), or deletes the row when no
    /// field is set. Returns what is stored, or null when nothing is.
    /// </summary>
    public static async Task<PluginLaneLimits?> WriteLimitsAsync(RegistryTransaction transaction, string pluginId, LaneLimits limits, string setBy, string reason,
        CancellationToken cancellationToken)
    {
        if (IsEmpty(limits))
        {
            await using var delete = transaction.CreateCommand("delete from lane_limits where plugin_id = @id");
            delete.Parameters.AddWithValue("id", pluginId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }

        await using var command = transaction.CreateCommand($"""
            insert into lane_limits ({LimitColumns})
            values (@id, @operator_rps, @operator_burst, @proxy_rps, @proxy_burst, @proxy_bytes, @proxy_mode, @canonical_rps, @canonical_burst,
                    @by, @now, @reason)
            on conflict (plugin_id) do update set
                operator_rps = excluded.operator_rps, operator_burst = excluded.operator_burst,
                proxy_rps = excluded.proxy_rps, proxy_burst = excluded.proxy_burst, proxy_bytes_per_second = excluded.proxy_bytes_per_second,
                proxy_mode = excluded.proxy_mode, canonical_publish_rps = excluded.canonical_publish_rps,
                canonical_publish_burst = excluded.canonical_publish_burst, set_by = excluded.set_by, set_at = excluded.set_at, reason = excluded.reason
            returning {LimitColumns}
            """);
        var (operatorLimits, proxy, canonical) = (limits.Operator, limits.Proxy, limits.Canonical);
        command.Parameters.AddWithValue("id", pluginId);
        command.Parameters.Add(Nullable("operator_rps", NpgsqlDbType.Double, operatorLimits is { HasRequestsPerSecond: true } ? operatorLimits.RequestsPerSecond : null));
        command.Parameters.Add(Nullable("operator_burst", NpgsqlDbType.Integer, operatorLimits is { HasBurst: true } ? operatorLimits.Burst : null));
        command.Parameters.Add(Nullable("proxy_rps", NpgsqlDbType.Double, proxy is { HasRequestsPerSecond: true } ? proxy.RequestsPerSecond : null));
        command.Parameters.Add(Nullable("proxy_burst", NpgsqlDbType.Integer, proxy is { HasBurst: true } ? proxy.Burst : null));
        command.Parameters.Add(Nullable("proxy_bytes", NpgsqlDbType.Bigint, proxy is { HasBytesPerSecond: true } ? proxy.BytesPerSecond : null));
        command.Parameters.Add(Nullable("proxy_mode", NpgsqlDbType.Text, proxy?.Mode switch
        {
            ProxyMode.Enforce => "enforce",
            ProxyMode.Report => "report",
            _ => null,
        }));
        command.Parameters.Add(Nullable("canonical_rps", NpgsqlDbType.Double,
            canonical is { HasPublishRequestsPerSecond: true } ? canonical.PublishRequestsPerSecond : null));
        command.Parameters.Add(Nullable("canonical_burst", NpgsqlDbType.Integer, canonical is { HasPublishBurst: true } ? canonical.PublishBurst : null));
        command.Parameters.AddWithValue("by", setBy);
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.AddWithValue("reason", reason);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return ReadLimits(reader);
    }

    /// <summary>True when no lane part carries a field: nothing overrides the lanes' defaults.</summary>
    public static bool IsEmpty(LaneLimits limits) =>
        (limits.Operator is null || limits.Operator.Equals(new OperatorLaneLimits()))
        && (limits.Proxy is null || limits.Proxy.Equals(new ProxyLaneLimits()))
        && (limits.Canonical is null || limits.Canonical.Equals(new CanonicalLaneLimits()));

    /// <summary>Every grant, or those naming <paramref name="pluginId"/> as caller or target, ordered by caller then target.</summary>
    public static async Task<IReadOnlyList<OperatorGrant>> ReadGrantsAsync(RegistryTransaction transaction, string? pluginId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select caller, target, granted_by, granted_at, reason from operator_grants
            where @id::text is null or caller = @id or target = @id order by caller, target
            """);
        command.Parameters.Add(Nullable("id", NpgsqlDbType.Text, pluginId));
        return await ReadGrantRowsAsync(command, cancellationToken);
    }

    /// <summary>The grants with the keys named (<see cref="PolicyRevisions.GrantKey"/>) that still exist.</summary>
    public static async Task<IReadOnlyList<OperatorGrant>> ReadGrantsByKeyAsync(RegistryTransaction transaction, string[] keys, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select caller, target, granted_by, granted_at, reason from operator_grants
            where caller || '>' || target = any(@keys) order by caller, target
            """);
        command.Parameters.Add(TextArray("keys", keys));
        return await ReadGrantRowsAsync(command, cancellationToken);
    }

    public static async Task<OperatorGrant?> FindGrantAsync(RegistryTransaction transaction, string caller, string target, CancellationToken cancellationToken)
    {
        var found = await ReadGrantsByKeyAsync(transaction, [PolicyRevisions.GrantKey(caller, target)], cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Inserts the grant unless it exists; returns whether it was inserted.</summary>
    public static async Task<bool> InsertGrantAsync(RegistryTransaction transaction, string caller, string target, string grantedBy, string reason,
        CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            insert into operator_grants (caller, target, granted_by, granted_at, reason) values (@caller, @target, @by, @now, @reason)
            on conflict (caller, target) do nothing
            """);
        command.Parameters.AddWithValue("caller", caller);
        command.Parameters.AddWithValue("target", target);
        command.Parameters.AddWithValue("by", grantedBy);
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.AddWithValue("reason", reason);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes the grant; returns whether there was one.</summary>
    public static async Task<bool> DeleteGrantAsync(RegistryTransaction transaction, string caller, string target, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("delete from operator_grants where caller = @caller and target = @target");
        command.Parameters.AddWithValue("caller", caller);
        command.Parameters.AddWithValue("target", target);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The preferences of the contracts named, or every preference when <paramref name="contracts"/> is null, by contract.</summary>
    public static async Task<IReadOnlyList<ProviderPreference>> ReadPreferencesAsync(RegistryTransaction transaction, string[]? contracts,
        CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select contract, plugin_id, set_by, set_at, reason from provider_preferences
            where @contracts::text[] is null or contract = any(@contracts) order by contract
            """);
        command.Parameters.Add(TextArray("contracts", contracts));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var preferences = new List<ProviderPreference>();
        while (await reader.ReadAsync(cancellationToken))
        {
            preferences.Add(new ProviderPreference
            {
                Contract = reader.GetString(0),
                PluginId = reader.GetString(1),
                SetBy = reader.GetString(2),
                SetAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(3)),
                Reason = reader.GetString(4),
            });
        }

        return preferences;
    }

    /// <summary>Sets a contract's preferred provider (replacing the one before) and returns it as stored.</summary>
    public static async Task<ProviderPreference> UpsertPreferenceAsync(RegistryTransaction transaction, string contract, string pluginId, string setBy, string reason,
        CancellationToken cancellationToken)
    {
        await using (var command = transaction.CreateCommand("""
            insert into provider_preferences (contract, plugin_id, set_by, set_at, reason) values (@contract, @plugin, @by, @now, @reason)
            on conflict (contract) do update set plugin_id = excluded.plugin_id, set_by = excluded.set_by, set_at = excluded.set_at, reason = excluded.reason
            """))
        {
            command.Parameters.AddWithValue("contract", contract);
            command.Parameters.AddWithValue("plugin", pluginId);
            command.Parameters.AddWithValue("by", setBy);
            command.Parameters.AddWithValue("now", transaction.Now);
            command.Parameters.AddWithValue("reason", reason);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await ReadPreferencesAsync(transaction, [contract], cancellationToken))[0];
    }

    /// <summary>Deletes a contract's preference; returns whether there was one.</summary>
    public static async Task<bool> DeletePreferenceAsync(RegistryTransaction transaction, string contract, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("delete from provider_preferences where contract = @contract");
        command.Parameters.AddWithValue("contract", contract);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<IReadOnlyList<OperatorGrant>> ReadGrantRowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var grants = new List<OperatorGrant>();
        while (await reader.ReadAsync(cancellationToken))
        {
            grants.Add(new OperatorGrant
            {
                Caller = reader.GetString(0),
                Target = reader.GetString(1),
                GrantedBy = reader.GetString(2),
                GrantedAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(3)),
                Reason = reader.GetString(4),
            });
        }

        return grants;
    }

    private static PluginLaneLimits ReadLimits(NpgsqlDataReader reader)
    {
        var limits = new LaneLimits();
        if (!reader.IsDBNull(1) || !reader.IsDBNull(2))
        {
            limits.Operator = new OperatorLaneLimits();
            if (!reader.IsDBNull(1))
            {
                limits.Operator.RequestsPerSecond = reader.GetDouble(1);
            }

            if (!reader.IsDBNull(2))
            {
                limits.Operator.Burst = reader.GetInt32(2);
            }
        }

        if (!reader.IsDBNull(3) || !reader.IsDBNull(4) || !reader.IsDBNull(5) || !reader.IsDBNull(6))
        {
            limits.Proxy = new ProxyLaneLimits();
            if (!reader.IsDBNull(3))
            {
                limits.Proxy.RequestsPerSecond = reader.GetDouble(3);
            }

            if (!reader.IsDBNull(4))
            {
                limits.Proxy.Burst = reader.GetInt32(4);
            }

            if (!reader.IsDBNull(5))
            {
                limits.Proxy.BytesPerSecond = reader.GetInt64(5);
            }

            if (!reader.IsDBNull(6))
            {
                limits.Proxy.Mode = reader.GetString(6) == "report" ? ProxyMode.Report : ProxyMode.Enforce;
            }
        }

        if (!reader.IsDBNull(7) || !reader.IsDBNull(8))
        {
            limits.Canonical = new CanonicalLaneLimits();
            if (!reader.IsDBNull(7))
            {
                limits.Canonical.PublishRequestsPerSecond = reader.GetDouble(7);
            }

            if (!reader.IsDBNull(8))
            {
                limits.Canonical.PublishBurst = reader.GetInt32(8);
            }
        }

        return new PluginLaneLimits
        {
            PluginId = reader.GetString(0),
            Limits = limits,
            SetBy = reader.GetString(9),
            SetAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(10)),
            Reason = reader.GetString(11),
        };
    }

    private static NpgsqlParameter TextArray(string name, string[]? values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)values ?? DBNull.Value };

    private static NpgsqlParameter Nullable(string name, NpgsqlDbType type, object? value) => new(name, type) { Value = value ?? DBNull.Value };
}
