using System.Text.Json.Nodes;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Writes the audit log. Every insert goes through <see cref="AppendAsync"/>, so a later migration can add the hash
/// chain (prev_hash, hash) in one place: take <c>pg_advisory_xact_lock</c>, read the last hash, insert with it.
/// Changes are audited inside the transaction that makes them; refusals and failures in a transaction of their own,
/// after the refused work was rolled back.
/// </summary>
internal sealed partial class AuditLog(RegistryDatabase database, ILogger<AuditLog> logger)
{
    public static async Task AppendAsync(RegistryTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            insert into audit_log (at, actor, action, target, outcome, reason, correlation_id, details)
            values (@at, @actor, @action, @target, @outcome, @reason, @correlation_id, @details)
            """);
        command.Parameters.AddWithValue("at", transaction.Now);
        command.Parameters.AddWithValue("actor", entry.Actor);
        command.Parameters.AddWithValue("action", entry.Action);
        command.Parameters.AddWithValue("target", entry.Target);
        command.Parameters.AddWithValue("outcome", OutcomeText(entry.Outcome));
        command.Parameters.AddWithValue("reason", entry.Reason);
        command.Parameters.AddWithValue("correlation_id", entry.CorrelationId);
        command.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Jsonb) { Value = (entry.Details ?? []).ToJsonString() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Succeeded row, in the caller's transaction.</summary>
    public static Task SucceededAsync(RegistryTransaction transaction, Caller caller, string action, string target, string reason,
        JsonObject? details, CancellationToken cancellationToken) =>
        AppendAsync(transaction, new AuditEntry(caller.Actor, action, target, AuditOutcome.Succeeded, reason, caller.CorrelationId, details), cancellationToken);

    /// <summary>
    /// Rolls back <paramref name="transaction"/> (nothing of the refused work survives), audits the refusal in its own
    /// transaction and returns the exception to throw.
    /// </summary>
    public async Task<RegistryRefusalException> RefuseAsync(RegistryTransaction transaction, Caller caller, string action, string target,
        Refusal refusal, JsonObject? details, CancellationToken cancellationToken)
    {
        await transaction.RollbackAsync(cancellationToken);
        return await RefuseAsync(caller, action, target, refusal, details, cancellationToken);
    }

    /// <summary>Audits a refusal in its own transaction and returns the exception to throw.</summary>
    public async Task<RegistryRefusalException> RefuseAsync(Caller caller, string action, string target, Refusal refusal,
        JsonObject? details, CancellationToken cancellationToken)
    {
        details ??= [];
        details["code"] = refusal.Code;
        if (refusal.Violations.Count > 0)
        {
            details["violations"] = new JsonArray(refusal.Violations
                .Select(v => (JsonNode)new JsonObject { ["field"] = v.Field, ["description"] = v.Description })
                .ToArray());
        }

        await using (var transaction = await database.BeginAsync(cancellationToken))
        {
            await AppendAsync(transaction, new AuditEntry(caller.Actor, action, target, AuditOutcome.Refused, refusal.Reason, caller.CorrelationId, details), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        LogRefused(logger, action, target, caller.Actor, refusal.Code);
        return refusal.ToException();
    }

    /// <summary>
    /// Runs an operation and, when it fails unexpectedly (not a refusal), audits the failure in its own transaction
    /// before the exception propagates. Auditing the failure is best effort: the database may be what failed.
    /// </summary>
    public async Task<T> RecordFailuresAsync<T>(Caller caller, string action, string target, Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation();
        }
        catch (Exception exception) when (exception is not RegistryRefusalException and not OperationCanceledException)
        {
            LogFailed(logger, exception, action, target);
            try
            {
                await using var transaction = await database.BeginAsync(cancellationToken);
                await AppendAsync(transaction, new AuditEntry(caller.Actor, action, target, AuditOutcome.Failed,
                    $"unexpected error: {exception.GetType().Name}", caller.CorrelationId), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (Exception auditException) when (auditException is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogAuditUnavailable(logger, auditException, action, target);
            }

            throw;
        }
    }

    private static string OutcomeText(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Succeeded => "succeeded",
        AuditOutcome.Refused => "refused",
        AuditOutcome.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown outcome."),
    };

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Refused {Action} on {Target} for {Actor}: {Code}")]
    private static partial void LogRefused(ILogger logger, string action, string target, string actor, string code);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Error, Message = "{Action} on {Target} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string action, string target);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Critical, Message = "Could not audit the failure of {Action} on {Target}")]
    private static partial void LogAuditUnavailable(ILogger logger, Exception exception, string action, string target);
}
