using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Policy;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// <see cref="IHealthStore"/> on the registry's PostgreSQL database (migration 0004). One observation is one
/// transaction: the sample, the plugin's health columns and, for a transition, the <c>health_transitions</c> row, its
/// audit row (actor <c>system</c>, action <c>plugin.health</c>) and the outbox rows for
/// <c>fabrix.plugin.&lt;id&gt;.health</c> and, when the change crosses <c>unhealthy</c>, <c>fabrix.policy.changed</c>
/// (lanes refuse unhealthy plugins). A transition takes the audit chain's lock before the plugin's row, the order the
/// lifecycle's cascades take them in, so the two never deadlock.
/// </summary>
internal sealed class HealthStore(RegistryDatabase database, EventOutbox outbox, PolicyChanges policy) : IHealthStore
{
    /// <summary>Parsed <c>health_check</c>s by manifest digest: manifests are immutable, so a digest's answer never changes.</summary>
    private readonly ConcurrentDictionary<string, ManifestHealthCheck?> _healthChecks = new(StringComparer.Ordinal);

    private const int HealthCheckCacheLimit = 10_000;

    public async Task<IReadOnlyList<HealthTarget>> LoadTargetsAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);
        await using var command = transaction.CreateCommand("""
            select p.id, p.address, p.manifest_digest, m.manifest_json, p.health_state, p.health_consecutive_failures,
                   p.health_consecutive_successes, p.last_heartbeat_at, p.heartbeat_metrics::text
            from plugins p
            join plugin_manifests m on m.plugin_id = p.id and m.revision = p.manifest_revision
            where p.status = 'active'
            order by p.id
            """);
        var targets = new List<HealthTarget>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var digest = reader.GetString(2);
                var healthCheck = _healthChecks.TryGetValue(digest, out var cached) ? cached : Remember(digest, HealthCheckOf(reader.GetString(3)));
                targets.Add(new HealthTarget(
                    PluginId: reader.GetString(0),
                    Address: reader.IsDBNull(1) ? null : reader.GetString(1),
                    HealthCheck: healthCheck,
                    Status: new HealthStatus(HealthStateNames.Parse(reader.GetString(4)), reader.GetInt32(5), reader.GetInt32(6)),
                    LastHeartbeatAt: reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                    LastHeartbeatMetrics: reader.IsDBNull(8) ? null : ReadMetrics(reader.GetString(8))));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return targets;
    }

    public async Task RecordAsync(HealthObservation observation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var sample = observation.Sample;
        var transition = observation.Transition;
        await using var transaction = await database.BeginAsync(cancellationToken);
        if (transition is not null)
        {
            await transaction.LockAsync(AuditChain.LockKey, cancellationToken);
        }

        // Only an active plugin is monitored; one disabled or uninstalled since the probe started records nothing.
        await using (var update = transaction.CreateCommand("""
            update plugins
            set health_state = @state,
                health_consecutive_failures = @failures,
                health_consecutive_successes = @successes,
                health_since = case when @transitioned or health_since is null then @at else health_since end
            where id = @id and status = 'active'
            """))
        {
            update.Parameters.AddWithValue("id", sample.PluginId);
            update.Parameters.AddWithValue("state", observation.Status.State.Name());
            update.Parameters.AddWithValue("failures", observation.Status.ConsecutiveFailures);
            update.Parameters.AddWithValue("successes", observation.Status.ConsecutiveSuccesses);
            update.Parameters.AddWithValue("transitioned", transition is not null);
            update.Parameters.AddWithValue("at", RegistryDatabase.PostgresPrecision(sample.At));
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return;
            }
        }

        await using (var insert = transaction.CreateCommand("""
            insert into health_samples (plugin_id, at, source, success, latency_ms, detail, metrics, state_after)
            values (@id, @at, @source, @success, @latency, @detail, @metrics, @state)
            """))
        {
            insert.Parameters.AddWithValue("id", sample.PluginId);
            insert.Parameters.AddWithValue("at", RegistryDatabase.PostgresPrecision(sample.At));
            insert.Parameters.AddWithValue("source", SourceName(sample.Source));
            insert.Parameters.AddWithValue("success", sample.Success);
            insert.Parameters.AddWithValue("latency", sample.Duration is { } duration ? (int)Math.Min(int.MaxValue, Math.Round(duration.TotalMilliseconds)) : DBNull.Value);
            insert.Parameters.AddWithValue("detail", (object?)sample.Detail ?? DBNull.Value);
            insert.Parameters.AddWithValue("metrics", NpgsqlDbType.Jsonb, MetricsJson(sample.Metrics));
            insert.Parameters.AddWithValue("state", observation.Status.State.Name());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (transition is not null)
        {
            await RecordTransitionAsync(transaction, transition, sample, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<long> PruneHistoryAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);
        long pruned = 0;
        foreach (var table in (string[])["health_samples", "health_transitions"])
        {
            await using var command = transaction.CreateCommand($"delete from {table} where at < @cutoff");
            command.Parameters.AddWithValue("cutoff", cutoff);
            pruned += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return pruned;
    }

    /// <summary>A stored <c>health_samples.source</c> back as a <see cref="HealthSampleSource"/>.</summary>
    internal static HealthSampleSource ParseSource(string name) => name switch
    {
        "http" => HealthSampleSource.Http,
        "grpc" => HealthSampleSource.Grpc,
        "heartbeat" => HealthSampleSource.Heartbeat,
        _ => HealthSampleSource.HeartbeatTtl,
    };

    /// <summary>The stored name of a sample's source (<c>health_samples.source</c>).</summary>
    internal static string SourceName(HealthSampleSource source) => source switch
    {
        HealthSampleSource.Http => "http",
        HealthSampleSource.Grpc => "grpc",
        HealthSampleSource.Heartbeat => "heartbeat",
        _ => "heartbeat_ttl",
    };

    private async Task RecordTransitionAsync(RegistryTransaction transaction, HealthTransition transition, HealthSample sample, CancellationToken cancellationToken)
    {
        await using (var insert = transaction.CreateCommand("""
            insert into health_transitions (plugin_id, from_state, to_state, at, reason)
            values (@id, @from, @to, @at, @reason)
            """))
        {
            insert.Parameters.AddWithValue("id", transition.PluginId);
            insert.Parameters.AddWithValue("from", transition.From.Name());
            insert.Parameters.AddWithValue("to", transition.To.Name());
            insert.Parameters.AddWithValue("at", RegistryDatabase.PostgresPrecision(transition.At));
            insert.Parameters.AddWithValue("reason", transition.Reason);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var system = Caller.System();
        await AuditLog.AppendAsync(transaction, new AuditEntry(system.Actor, AuditActions.Health, transition.PluginId, AuditOutcome.Succeeded,
            $"health {transition.From.Name()} -> {transition.To.Name()}: {transition.Reason}", system.CorrelationId,
            new JsonObject
            {
                ["from"] = transition.From.Name(),
                ["to"] = transition.To.Name(),
                ["source"] = SourceName(sample.Source),
            }), cancellationToken);
        await outbox.EnqueueAsync(transaction, HealthSubjects.Health(transition.PluginId), PluginHealthChanged.Of(transition),
            HealthJsonContext.Default.PluginHealthChanged, cancellationToken);
        // Lanes refuse unhealthy targets (issue 3 section 1) and the policy snapshot carries every plugin's health (issue 9
        // section 1): each transition is a new policy revision.
        await policy.PluginChangedAsync(transaction, transition.PluginId, "active", $"health.{transition.To.Name()}", system.CorrelationId, cancellationToken);
    }

    private ManifestHealthCheck? Remember(string digest, ManifestHealthCheck? healthCheck)
    {
        if (_healthChecks.Count >= HealthCheckCacheLimit)
        {
            _healthChecks.Clear();
        }

        _healthChecks[digest] = healthCheck;
        return healthCheck;
    }

    /// <summary>The pinned manifest's <c>health_check</c>; installed manifests were validated, so null means none declared.</summary>
    private static ManifestHealthCheck? HealthCheckOf(string manifestJson) => ManifestValidator.Validate(manifestJson).Manifest?.HealthCheck;

    /// <summary>Metrics as jsonb, in the same form as <c>plugins.heartbeat_metrics</c>.</summary>
    private static string MetricsJson(IReadOnlyDictionary<string, double> metrics) =>
        JsonSerializer.Serialize(metrics, PluginJsonContext.Default.IReadOnlyDictionaryStringDouble);

    /// <summary>Reads a <c>health_samples.metrics</c> or <c>plugins.heartbeat_metrics</c> value back.</summary>
    internal static IReadOnlyDictionary<string, double> ReadMetrics(string json) =>
        JsonSerializer.Deserialize(json, PluginJsonContext.Default.IReadOnlyDictionaryStringDouble) ?? HealthProbeResult.NoMetrics;
}
