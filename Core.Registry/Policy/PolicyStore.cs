using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// SQL of the policy (migrations 0010, 0012 and 0013). Reads run in one repeatable-read transaction, so a snapshot or delta is exactly
/// the state at the revision it carries. Stateless.
/// </summary>
internal static class PolicyStore
{
    public static async Task<(long Revision, DateTimeOffset CommittedAt)> ReadRevisionAsync(RegistryTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select r.revision, coalesce((select committed_at from policy_changes c where c.revision = r.revision), @epoch)
            from policy_revision r
            """);
        command.Parameters.AddWithValue("epoch", DateTimeOffset.UnixEpoch);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
    }

    public static async Task<PolicySnapshot> ReadSnapshotAsync(RegistryTransaction transaction, CancellationToken cancellationToken)
    {
        var (revision, committedAt) = await ReadRevisionAsync(transaction, cancellationToken);
        var snapshot = new PolicySnapshot { Revision = revision, CommittedAt = Timestamp.FromDateTimeOffset(committedAt) };
        var limits = await LaneControlStore.ReadLimitsAsync(transaction, null, cancellationToken);
        foreach (var plugin in await PluginStore.ListAsync(transaction, null, null, cancellationToken))
        {
            snapshot.Plugins.Add(PolicyProjection.ToPolicy(plugin, limits.GetValueOrDefault(plugin.Id)));
        }

        snapshot.Switches.Add(await ReadSwitchesAsync(transaction, null, cancellationToken));
        snapshot.Grants.Add(await LaneControlStore.ReadGrantsAsync(transaction, null, cancellationToken));
        snapshot.ProviderPreferences.Add(await LaneControlStore.ReadPreferencesAsync(transaction, null, cancellationToken));
        snapshot.DeniedDomains.Add(await DenyListStore.ReadAsync(transaction, null, cancellationToken));
        return snapshot;
    }

    /// <summary>
    /// The changes after <paramref name="fromRevision"/> up to the current revision as one delta (null when there are
    /// none), or <c>Servable: false</c> when they cannot be served as a delta: the revision is 0, newer than the
    /// database's (another database), or older than the kept changes (<see cref="PolicyRevisions.RetainedRevisions"/>).
    /// </summary>
    public static async Task<(bool Servable, PolicyDelta? Delta)> ReadDeltaAsync(RegistryTransaction transaction, long fromRevision, CancellationToken cancellationToken)
    {
        var (revision, committedAt) = await ReadRevisionAsync(transaction, cancellationToken);
        if (fromRevision < 1 || fromRevision > revision || revision - fromRevision > PolicyRevisions.RetainedRevisions)
        {
            return (false, null);
        }

        if (fromRevision == revision)
        {
            return (true, null);
        }

        var pluginIds = new SortedSet<string>(StringComparer.Ordinal);
        var switches = new SortedSet<string>(StringComparer.Ordinal);
        var grants = new SortedSet<string>(StringComparer.Ordinal);
        var preferences = new SortedSet<string>(StringComparer.Ordinal);
        var denied = new SortedSet<string>(StringComparer.Ordinal);
        await using (var command = transaction.CreateCommand(
            "select plugin_ids, switches, grants, preferences, denied_domains from policy_changes where revision > @from and revision <= @to"))
        {
            command.Parameters.AddWithValue("from", fromRevision);
            command.Parameters.AddWithValue("to", revision);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                pluginIds.UnionWith(reader.GetFieldValue<string[]>(0));
                switches.UnionWith(reader.GetFieldValue<string[]>(1));
                grants.UnionWith(reader.GetFieldValue<string[]>(2));
                preferences.UnionWith(reader.GetFieldValue<string[]>(3));
                denied.UnionWith(reader.GetFieldValue<string[]>(4));
            }
        }

        var delta = new PolicyDelta { Revision = revision, BaseRevision = fromRevision, CommittedAt = Timestamp.FromDateTimeOffset(committedAt) };
        var limits = pluginIds.Count == 0
            ? []
            : await LaneControlStore.ReadLimitsAsync(transaction, [.. pluginIds], cancellationToken);
        foreach (var id in pluginIds)
        {
            if (await PluginStore.FindAsync(transaction, id, forUpdate: false, cancellationToken) is { } plugin)
            {
                delta.Upserted.Add(PolicyProjection.ToPolicy(plugin, limits.GetValueOrDefault(id)));
            }
            else
            {
                delta.Removed.Add(id);
            }
        }

        if (switches.Count > 0)
        {
            delta.Switches.Add(await ReadSwitchesAsync(transaction, [.. switches], cancellationToken));
        }

        if (grants.Count > 0)
        {
            var present = await LaneControlStore.ReadGrantsByKeyAsync(transaction, [.. grants], cancellationToken);
            delta.GrantsUpserted.Add(present);
            var kept = present.Select(g => PolicyRevisions.GrantKey(g.Caller, g.Target)).ToHashSet(StringComparer.Ordinal);
            foreach (var key in grants.Where(k => !kept.Contains(k)))
            {
                var split = key.IndexOf('>', StringComparison.Ordinal);
                delta.GrantsRemoved.Add(new OperatorGrantKey { Caller = key[..split], Target = key[(split + 1)..] });
            }
        }

        if (preferences.Count > 0)
        {
            var present = await LaneControlStore.ReadPreferencesAsync(transaction, [.. preferences], cancellationToken);
            delta.PreferencesUpserted.Add(present);
            delta.PreferencesRemoved.Add(preferences.Where(c => present.All(p => !string.Equals(p.Contract, c, StringComparison.Ordinal))));
        }

        if (denied.Count > 0)
        {
            var present = await DenyListStore.ReadAsync(transaction, [.. denied], cancellationToken);
            delta.DeniedDomainsUpserted.Add(present);
            delta.DeniedDomainsRemoved.Add(denied.Where(d => present.All(p => !string.Equals(p.Pattern, d, StringComparison.Ordinal))));
        }

        return (true, delta);
    }

    /// <summary>The switches named (stored names), or every switch when <paramref name="names"/> is null, in name order.</summary>
    public static async Task<IReadOnlyList<PolicySwitch>> ReadSwitchesAsync(RegistryTransaction transaction, string[]? names, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select name, is_on, set_by, set_at, reason from policy_switches
            where @names::text[] is null or name = any(@names) order by name
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter("names", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)names ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var switches = new List<PolicySwitch>();
        while (await reader.ReadAsync(cancellationToken))
        {
            switches.Add(new PolicySwitch
            {
                Name = PolicySwitches.FromDatabase(reader.GetString(0)),
                On = reader.GetBoolean(1),
                SetBy = reader.GetString(2),
                SetAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(3)),
                Reason = reader.GetString(4),
            });
        }

        return switches;
    }

    /// <summary>Sets a switch (its row stays locked until the transaction ends); returns whether it changed.</summary>
    public static async Task<bool> SetSwitchAsync(RegistryTransaction transaction, string storedName, bool on, string setBy, string reason,
        CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            update policy_switches set is_on = @on, set_by = @by, set_at = @now, reason = @reason
            where name = @name and is_on <> @on
            """);
        command.Parameters.AddWithValue("name", storedName);
        command.Parameters.AddWithValue("on", on);
        command.Parameters.AddWithValue("by", setBy);
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.AddWithValue("reason", reason);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
