using System.Text.Json;
using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Health;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Plugins;

/// <summary>SQL for installations, immutable manifest versions (the pinned one is <c>plugins.manifest_revision</c>), the dependency graph, lifecycle history and token metadata. Stateless.</summary>
internal static class PluginStore
{
    /// <summary>
    /// The columns of <c>plugins p</c> that <see cref="Read"/> expects, in its order. Summaries (paged lists) leave the
    /// manifest out: it is up to 64 KiB a plugin and a list never carries it (issue 7 section 3).
    /// </summary>
    internal static string PluginColumns(bool withManifest) => $"""
        p.id, p.status, p.manifest_revision, p.name, p.version, p.description, p.contracts, p.traits,
        p.dependencies, {(withManifest ? "m.manifest_json" : "''::text")}, p.manifest_digest, p.enable_on_register, p.address,
        p.installed_at, p.registered_at, p.last_seen_at, p.last_heartbeat_at, p.updated_at, p.health_state, p.previous_address
        """;

    private static readonly string SelectPlugin = $"""
        select {PluginColumns(withManifest: true)}
        from plugins p
        join plugin_manifests m on m.plugin_id = p.id and m.revision = p.manifest_revision
        """;

    /// <summary>Reads one plugin; with <paramref name="forUpdate"/> its row stays locked until the transaction ends.</summary>
    public static async Task<PluginRecord?> FindAsync(RegistryTransaction transaction, string id, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand($"{SelectPlugin} where p.id = @id{(forUpdate ? " for update of p" : string.Empty)}");
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Whether <paramref name="id"/> is installed (in any state): one index lookup, nothing read.</summary>
    public static async Task<bool> ExistsAsync(RegistryTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("select exists (select 1 from plugins where id = @id)");
        command.Parameters.AddWithValue("id", id);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<IReadOnlyList<PluginRecord>> ListAsync(RegistryTransaction transaction, PluginState? status, string? search, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand($"""
            {SelectPlugin}
            where (@status::text is null or p.status = @status)
              and (@search::text is null or strpos(lower(p.id), lower(@search)) > 0 or strpos(lower(p.name), lower(@search)) > 0)
            order by p.id
            """);
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = status is { } s ? LifecycleText(s) : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("search", NpgsqlDbType.Text) { Value = string.IsNullOrWhiteSpace(search) ? DBNull.Value : search.Trim() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var plugins = new List<PluginRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            plugins.Add(Read(reader));
        }

        return plugins;
    }

    /// <summary>
    /// Every stored manifest version of <paramref name="pluginId"/> in revision order (oldest first), including those
    /// of earlier installations: versions are immutable and never deleted (migration 0003 enforces it).
    /// </summary>
    public static async Task<IReadOnlyList<ManifestVersionRecord>> ListManifestVersionsAsync(RegistryTransaction transaction, string pluginId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select revision, version, manifest_json, manifest_digest, installed_at, installed_by
            from plugin_manifests where plugin_id = @id order by revision
            """);
        command.Parameters.AddWithValue("id", pluginId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<ManifestVersionRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new ManifestVersionRecord(
                reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
        }

        return versions;
    }

    /// <summary>Stores a new, immutable manifest version as the plugin's next revision; returns it.</summary>
    public static async Task<ManifestVersionRecord> AddManifestVersionAsync(RegistryTransaction transaction, PluginManifest manifest, string manifestJson, string digest,
        string installedBy, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            insert into plugin_manifests (plugin_id, revision, version, manifest_json, manifest_digest, installed_at, installed_by)
            select @id, coalesce(max(revision), 0) + 1, @version, @json, @digest, @now, @by
            from plugin_manifests where plugin_id = @id
            returning revision
            """);
        command.Parameters.AddWithValue("id", manifest.Id);
        command.Parameters.AddWithValue("version", manifest.Version);
        command.Parameters.AddWithValue("json", manifestJson);
        command.Parameters.AddWithValue("digest", digest);
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.AddWithValue("by", installedBy);
        var revision = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new ManifestVersionRecord(revision, manifest.Version, manifestJson, digest, transaction.Now, installedBy);
    }

    /// <summary>
    /// Makes <paramref name="version"/> the plugin's pinned revision with status installed (first install or
    /// reinstall of an unregistered plugin). Registration facts of an earlier installation are cleared.
    /// </summary>
    public static async Task<PluginRecord> InstallAsync(RegistryTransaction transaction, PluginManifest manifest, ManifestVersionRecord version,
        bool enableOnRegister, CancellationToken cancellationToken)
    {
        await using (var command = transaction.CreateCommand("""
            insert into plugins (id, status, manifest_revision, name, version, description, contracts, traits, dependencies,
                                 manifest_digest, enable_on_register, address, installed_at, registered_at, last_seen_at,
                                 last_heartbeat_at, heartbeat_metrics, updated_at)
            values (@id, 'installed', @revision, @name, @version, @description, @contracts, @traits, @dependencies,
                    @digest, @enable, null, @now, null, null, null, null, @now)
            on conflict (id) do update set
                status = 'installed', manifest_revision = excluded.manifest_revision, name = excluded.name,
                version = excluded.version, description = excluded.description, contracts = excluded.contracts,
                traits = excluded.traits, dependencies = excluded.dependencies, manifest_digest = excluded.manifest_digest,
                enable_on_register = excluded.enable_on_register, address = null, previous_address = null, installed_at = excluded.installed_at,
                registered_at = null, last_seen_at = null, last_heartbeat_at = null, heartbeat_metrics = null,
                updated_at = excluded.updated_at
            """))
        {
            AddManifestColumns(command, manifest, version);
            command.Parameters.AddWithValue("enable", enableOnRegister);
            command.Parameters.AddWithValue("now", transaction.Now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await FindAsync(transaction, manifest.Id, forUpdate: false, cancellationToken))!;
    }

    /// <summary>
    /// Pins another stored version (upgrade or rollback): the plugin's manifest columns follow it, its status becomes
    /// <paramref name="status"/>. Registration facts stay (the plugin registers again and overwrites them).
    /// </summary>
    public static async Task<PluginRecord> PinAsync(RegistryTransaction transaction, PluginManifest manifest, ManifestVersionRecord version, PluginState status,
        bool enableOnRegister, CancellationToken cancellationToken)
    {
        await using (var command = transaction.CreateCommand("""
            update plugins set
                status = @status, manifest_revision = @revision, name = @name, version = @version, description = @description,
                contracts = @contracts, traits = @traits, dependencies = @dependencies, manifest_digest = @digest,
                enable_on_register = @enable, updated_at = @now
            where id = @id
            """))
        {
            AddManifestColumns(command, manifest, version);
            command.Parameters.AddWithValue("status", LifecycleText(status));
            command.Parameters.AddWithValue("enable", enableOnRegister);
            command.Parameters.AddWithValue("now", transaction.Now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await FindAsync(transaction, manifest.Id, forUpdate: false, cancellationToken))!;
    }

    /// <summary>Every installed plugin (any status) with its status and the dependencies of its pinned manifest, by id.</summary>
    public static async Task<IReadOnlyList<InstalledDependencies>> ListDependenciesAsync(RegistryTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("select id, status, dependencies from plugins order by id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var plugins = new List<InstalledDependencies>();
        while (await reader.ReadAsync(cancellationToken))
        {
            plugins.Add(new InstalledDependencies(reader.GetString(0), PluginLifecycle.FromDatabase(reader.GetString(1)), reader.GetFieldValue<string[]>(2)));
        }

        return plugins;
    }

    /// <summary>Installed plugins whose pinned manifest lists <paramref name="pluginId"/> in its dependencies (direct), by id.</summary>
    public static async Task<IReadOnlyList<string>> ListDependentsAsync(RegistryTransaction transaction, string pluginId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("select id from plugins where dependencies @> array[@id]::text[] order by id");
        command.Parameters.AddWithValue("id", pluginId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var dependents = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            dependents.Add(reader.GetString(0));
        }

        return dependents;
    }

    public static async Task<PluginRecord> SetStatusAsync(RegistryTransaction transaction, PluginRecord plugin, PluginState status, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("update plugins set status = @status, updated_at = @now where id = @id");
        command.Parameters.AddWithValue("id", plugin.Id);
        command.Parameters.AddWithValue("status", LifecycleText(status));
        command.Parameters.AddWithValue("now", transaction.Now);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return plugin with { Status = status, UpdatedAt = transaction.Now };
    }

    /// <summary>
    /// Records a registration from <paramref name="address"/>. When the plugin was registered from another address
    /// before, that one becomes <see cref="PluginRecord.PreviousAddress"/> (issue 7: a re-registration from a new
    /// address is visible); from the same address, there is no previous address.
    /// </summary>
    public static async Task<PluginRecord> RecordRegistrationAsync(RegistryTransaction transaction, PluginRecord plugin, PluginState status, string address, CancellationToken cancellationToken)
    {
        var previous = plugin.Address is { } old && !string.Equals(old, address, StringComparison.Ordinal) ? old : null;
        await using var command = transaction.CreateCommand("""
            update plugins set status = @status, address = @address, previous_address = @previous, registered_at = @now, last_seen_at = @now, updated_at = @now
            where id = @id
            """);
        command.Parameters.AddWithValue("id", plugin.Id);
        command.Parameters.AddWithValue("status", LifecycleText(status));
        command.Parameters.AddWithValue("address", address);
        command.Parameters.Add(new NpgsqlParameter("previous", NpgsqlDbType.Text) { Value = (object?)previous ?? DBNull.Value });
        command.Parameters.AddWithValue("now", transaction.Now);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return plugin with
        {
            Status = status, Address = address, PreviousAddress = previous, RegisteredAt = transaction.Now, LastSeenAt = transaction.Now, UpdatedAt = transaction.Now,
        };
    }

    public static async Task<PluginRecord> RecordSeenAsync(RegistryTransaction transaction, PluginRecord plugin, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("update plugins set last_seen_at = @now where id = @id");
        command.Parameters.AddWithValue("id", plugin.Id);
        command.Parameters.AddWithValue("now", transaction.Now);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return plugin with { LastSeenAt = transaction.Now };
    }

    public static async Task<PluginRecord> RecordHeartbeatAsync(RegistryTransaction transaction, PluginRecord plugin, IReadOnlyDictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            update plugins set last_seen_at = @now, last_heartbeat_at = @now, heartbeat_metrics = @metrics where id = @id
            """);
        command.Parameters.AddWithValue("id", plugin.Id);
        command.Parameters.AddWithValue("now", transaction.Now);
        command.Parameters.Add(new NpgsqlParameter("metrics", NpgsqlDbType.Jsonb)
        {
            Value = JsonSerializer.Serialize(metrics, PluginJsonContext.Default.IReadOnlyDictionaryStringDouble),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return plugin with { LastSeenAt = transaction.Now, LastHeartbeatAt = transaction.Now };
    }

    /// <summary>Removes the installation. Manifests, lifecycle history, token metadata and audit rows stay.</summary>
    public static async Task DeleteAsync(RegistryTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("delete from plugins where id = @id");
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task AppendLifecycleEventAsync(RegistryTransaction transaction, string pluginId, PluginState from, PluginState to,
        LifecycleTrigger trigger, string actor, string reason, string correlationId, CancellationToken cancellationToken, string? address = null, string? previousAddress = null)
    {
        await using var command = transaction.CreateCommand("""
            insert into lifecycle_events (plugin_id, from_status, to_status, trigger, at, actor, reason, correlation_id, address, previous_address)
            values (@plugin_id, @from, @to, @trigger, @at, @actor, @reason, @correlation_id, @address, @previous_address)
            """);
        command.Parameters.Add(new NpgsqlParameter("address", NpgsqlDbType.Text) { Value = (object?)address ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("previous_address", NpgsqlDbType.Text) { Value = (object?)previousAddress ?? DBNull.Value });
        command.Parameters.AddWithValue("plugin_id", pluginId);
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Text) { Value = (object?)PluginLifecycle.ToDatabase(from) ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Text) { Value = (object?)PluginLifecycle.ToDatabase(to) ?? DBNull.Value });
        command.Parameters.AddWithValue("trigger", PluginLifecycle.TriggerName(trigger));
        command.Parameters.AddWithValue("at", transaction.Now);
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.AddWithValue("reason", reason);
        command.Parameters.AddWithValue("correlation_id", correlationId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<IReadOnlyList<LifecycleEventRecord>> ListLifecycleEventsAsync(RegistryTransaction transaction, string pluginId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select from_status, to_status, trigger, at, actor, reason, address, previous_address from lifecycle_events where plugin_id = @id order by id
            """);
        command.Parameters.AddWithValue("id", pluginId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<LifecycleEventRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new LifecycleEventRecord(
                PluginLifecycle.FromDatabase(reader.IsDBNull(0) ? null : reader.GetString(0)),
                PluginLifecycle.FromDatabase(reader.IsDBNull(1) ? null : reader.GetString(1)),
                reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return events;
    }

    public static async Task<TokenRecord?> FindLatestTokenAsync(RegistryTransaction transaction, string pluginId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select jti, plugin_id, kid, issued_at, expires_at from plugin_tokens where plugin_id = @id order by issued_at desc, jti desc limit 1
            """);
        command.Parameters.AddWithValue("id", pluginId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TokenRecord(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4))
            : null;
    }

    private static void AddManifestColumns(NpgsqlCommand command, PluginManifest manifest, ManifestVersionRecord version)
    {
        command.Parameters.AddWithValue("id", manifest.Id);
        command.Parameters.AddWithValue("revision", version.Revision);
        command.Parameters.AddWithValue("name", manifest.Name);
        command.Parameters.AddWithValue("version", manifest.Version);
        command.Parameters.AddWithValue("description", manifest.Description ?? string.Empty);
        command.Parameters.AddWithValue("contracts", manifest.Contracts.ToArray());
        command.Parameters.AddWithValue("traits", manifest.Traits.ToArray());
        command.Parameters.AddWithValue("dependencies", manifest.Dependencies.ToArray());
        command.Parameters.AddWithValue("digest", version.Digest);
    }

    private static string LifecycleText(PluginState state) =>
        PluginLifecycle.ToDatabase(state) ?? throw new ArgumentOutOfRangeException(nameof(state), state, "Not a stored status.");

    internal static PluginRecord Read(NpgsqlDataReader reader) => new(
        Id: reader.GetString(0),
        Status: PluginLifecycle.FromDatabase(reader.GetString(1)),
        ManifestRevision: reader.GetInt32(2),
        Name: reader.GetString(3),
        Version: reader.GetString(4),
        Description: reader.GetString(5),
        Contracts: reader.GetFieldValue<string[]>(6),
        Traits: reader.GetFieldValue<string[]>(7),
        Dependencies: reader.GetFieldValue<string[]>(8),
        ManifestJson: reader.GetString(9),
        ManifestDigest: reader.GetString(10),
        EnableOnRegister: reader.GetBoolean(11),
        Address: reader.IsDBNull(12) ? null : reader.GetString(12),
        InstalledAt: reader.GetFieldValue<DateTimeOffset>(13),
        RegisteredAt: reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
        LastSeenAt: reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
        LastHeartbeatAt: reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16),
        UpdatedAt: reader.GetFieldValue<DateTimeOffset>(17),
        Health: HealthStateNames.Parse(reader.GetString(18)),
        PreviousAddress: reader.IsDBNull(19) ? null : reader.GetString(19));
}
