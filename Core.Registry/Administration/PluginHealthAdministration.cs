using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Health;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Google.Protobuf.WellKnownTypes;
using ContractHealthSample = Fabrix.Contracts.Registry.V1.HealthSample;
using ContractHealthTransition = Fabrix.Contracts.Registry.V1.HealthTransition;
using AuditLog = Fabrix.Core.Registry.Audit.AuditLog;
using HealthState = Fabrix.Core.Registry.Health.HealthState;

namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// <c>RegistryAdmin.GetPluginHealth</c>: a plugin's recorded health (state, since, counters, last heartbeat, how it is
/// monitored) with its recent samples and transitions, newest first, as the health monitor persisted them. A plugin
/// that is not active is not monitored: its state is reported as <c>unknown</c> and <c>monitoring</c> says why, while
/// its history stays readable.
/// </summary>
internal sealed class PluginHealthAdministration(RegistryDatabase database, AuditLog audit)
{
    public const int DefaultSampleLimit = 50;
    public const int MaxSampleLimit = 500;

    /// <summary>Transitions returned with the samples; the console's chart and history need no more.</summary>
    public const int TransitionLimit = 50;

    public Task<PluginHealth> GetAsync(string id, int sampleLimit, Caller caller, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.Read, id, async () =>
        {
            if (sampleLimit is < 0 or > MaxSampleLimit)
            {
                throw await audit.RefuseAsync(caller, AuditActions.Read, id,
                    Refusal.Invalid("The request is invalid.", [new FieldViolation("sample_limit", $"Must be between 1 and {MaxSampleLimit} (0 means the default, {DefaultSampleLimit}).")]),
                    null, cancellationToken);
            }

            await using var transaction = await database.BeginAsync(cancellationToken);
            var plugin = await PluginStore.FindAsync(transaction, id, forUpdate: false, cancellationToken)
                ?? throw await audit.RefuseAsync(transaction, caller, AuditActions.Read, id,
                    Refusal.PluginNotFound(id), null, cancellationToken);
            var health = await ReadStatusAsync(transaction, plugin, cancellationToken);
            health.Samples.Add(await ReadSamplesAsync(transaction, id, sampleLimit == 0 ? DefaultSampleLimit : sampleLimit, cancellationToken));
            health.Transitions.Add(await ReadTransitionsAsync(transaction, id, cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return health;
        }, cancellationToken);

    private static async Task<PluginHealth> ReadStatusAsync(RegistryTransaction transaction, PluginRecord plugin, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select health_state, health_since, health_consecutive_failures, health_consecutive_successes, last_heartbeat_at
            from plugins where id = @id
            """);
        command.Parameters.AddWithValue("id", plugin.Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"Plugin '{plugin.Id}' disappeared inside a transaction.");
        }

        var active = plugin.Status == PluginState.Active;
        var healthCheck = ManifestValidator.Validate(plugin.ManifestJson).Manifest?.HealthCheck;
        var health = new PluginHealth
        {
            PluginId = plugin.Id,
            State = active ? HealthStateNames.Parse(reader.GetString(0)).ToContract() : HealthState.Unknown.ToContract(),
            ConsecutiveFailures = active ? reader.GetInt32(2) : 0,
            ConsecutiveSuccesses = active ? reader.GetInt32(3) : 0,
            Monitoring = active
                ? HealthContractNames.Monitoring(healthCheck)
                : $"none: the plugin is {PluginLifecycle.StateName(plugin.Status)} (only active plugins are monitored)",
        };
        if (active && !reader.IsDBNull(1))
        {
            health.Since = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(1));
        }

        if (!reader.IsDBNull(4))
        {
            health.LastHeartbeatAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(4));
        }

        return health;
    }

    private static async Task<List<ContractHealthSample>> ReadSamplesAsync(RegistryTransaction transaction, string id, int limit, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select at, source, success, latency_ms, detail, metrics::text, state_after
            from health_samples where plugin_id = @id order by id desc limit @limit
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("limit", limit);
        var samples = new List<ContractHealthSample>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var success = reader.GetBoolean(2);
            var sample = new ContractHealthSample
            {
                At = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(0)),
                Source = HealthStore.ParseSource(reader.GetString(1)).Source(),
                Success = success,
                LatencyMs = reader.IsDBNull(3) ? 0 : reader.GetInt32(3),
                Error = success || reader.IsDBNull(4) ? string.Empty : reader.GetString(4),
                StateAfter = HealthStateNames.Parse(reader.GetString(6)).ToContract(),
            };
            foreach (var (name, value) in HealthStore.ReadMetrics(reader.GetString(5)))
            {
                sample.Metrics[name] = value;
            }
            samples.Add(sample);
        }

        return samples;
    }

    private static async Task<List<ContractHealthTransition>> ReadTransitionsAsync(RegistryTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            select from_state, to_state, at, reason
            from health_transitions where plugin_id = @id order by id desc limit @limit
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("limit", TransitionLimit);
        var transitions = new List<ContractHealthTransition>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            transitions.Add(new ContractHealthTransition
            {
                FromState = HealthStateNames.Parse(reader.GetString(0)).ToContract(),
                ToState = HealthStateNames.Parse(reader.GetString(1)).ToContract(),
                At = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(2)),
                Reason = reader.GetString(3),
            });
        }

        return transitions;
    }
}
