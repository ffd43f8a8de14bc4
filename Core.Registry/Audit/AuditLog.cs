using System.Text.Json.Nodes;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Writes the audit log. Every insert goes through <see cref="AppendAsync"/>, which extends the hash chain
/// (<see cref="AuditChain"/>): it takes the chain's transaction-level advisory lock, reads the head row and inserts the
/// next sequence number with the head's hash as <c>prev_hash</c>, so concurrent writers queue up and the chain never
/// forks. The lock is held until the writing transaction ends: append the audit row as the last write of a
/// transaction and take no other lock after it (a lock taken after it can deadlock with a writer that holds that lock
/// and waits for the chain). Changes are audited inside the transaction that makes them; refusals and failures in a
/// transaction of their own, after the refused work was rolled back.
/// </summary>
internal sealed partial class AuditLog(RegistryDatabase database, AuditRefusalFolding folding, IHttpContextAccessor httpContext, ILogger<AuditLog> logger)
{
    public static async Task AppendAsync(RegistryTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        // Caller-supplied values are stored bounded and sanitised (issue 7 section 4); the hash covers what is stored.
        entry = AuditValue.Sanitise(entry);
        await transaction.LockAsync(AuditChain.LockKey, cancellationToken);

        // One round trip under the lock: the head, and the details as PostgreSQL will store them (jsonb normalises
        // keys, duplicates and numbers), because the hash covers the stored form.
        long sequence;
        string prevHash;
        string details;
        await using (var head = transaction.CreateCommand("""
            select h.id, h.hash, @details::text
            from (values (1)) as one (x)
            left join lateral (select id, hash from audit_log order by id desc limit 1) as h on true
            """))
        {
            head.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Jsonb) { Value = (entry.Details ?? []).ToJsonString() });
            await using var reader = await head.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            sequence = reader.IsDBNull(0) ? 1 : reader.GetInt64(0) + 1;
            prevHash = reader.IsDBNull(1) ? AuditChain.GenesisHash : reader.GetString(1);
            details = reader.GetString(2);
        }

        var outcome = OutcomeText(entry.Outcome);
        var hash = AuditChain.Hash(new AuditChainRow(sequence, transaction.Now, entry.Actor, entry.Action, entry.Target, outcome,
            entry.Reason, entry.CorrelationId, details, prevHash));

        await using var command = transaction.CreateCommand("""
            insert into audit_log (id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash, hash)
            values (@id, @at, @actor, @action, @target, @outcome, @reason, @correlation_id, @details, @prev_hash, @hash)
            """);
        command.Parameters.AddWithValue("id", sequence);
        command.Parameters.AddWithValue("at", transaction.Now);
        command.Parameters.AddWithValue("actor", entry.Actor);
        command.Parameters.AddWithValue("action", entry.Action);
        command.Parameters.AddWithValue("target", entry.Target);
        command.Parameters.AddWithValue("outcome", outcome);
        command.Parameters.AddWithValue("reason", entry.Reason);
        command.Parameters.AddWithValue("correlation_id", entry.CorrelationId);
        command.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Jsonb) { Value = details });
        command.Parameters.AddWithValue("prev_hash", prevHash);
        command.Parameters.AddWithValue("hash", hash);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Succeeded row in a transaction of its own (reads of the audit log itself are audited this way).</summary>
    public async Task SucceededAsync(Caller caller, string action, string target, string reason, JsonObject? details, CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);
        await SucceededAsync(transaction, caller, action, target, reason, details, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
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

    /// <summary>
    /// Audits a refusal in its own transaction and returns the exception to throw. Repeats of an identical refusal from
    /// the same client address are folded into one counted row (<see cref="AuditRefusalFolding"/>).
    /// </summary>
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

        var address = httpContext.HttpContext?.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        details["client_address"] = address;
        if (folding.TryFold(new AuditRefusalFolding.RefusalSource(caller.Actor, action, target, refusal.Code, address), refusal.Reason, caller.CorrelationId, details))
        {
            return refusal.ToException();
        }

        details["count"] = 1;
        await using (var transaction = await database.BeginAsync(cancellationToken))
        {
            await AppendAsync(transaction, new AuditEntry(caller.Actor, action, target, AuditOutcome.Refused, refusal.Reason, caller.CorrelationId, details), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        LogRefused(logger, action, new LogText(target), new LogText(caller.Actor), refusal.Code);
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
            LogFailed(logger, exception, action, new LogText(target));
            try
            {
                await using var transaction = await database.BeginAsync(cancellationToken);
                await AppendAsync(transaction, new AuditEntry(caller.Actor, action, target, AuditOutcome.Failed,
                    $"unexpected error: {exception.GetType().Name}", caller.CorrelationId), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (Exception auditException) when (auditException is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogAuditUnavailable(logger, auditException, action, new LogText(target));
            }

            throw;
        }
    }

    internal static string OutcomeText(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Succeeded => "succeeded",
        AuditOutcome.Refused => "refused",
        AuditOutcome.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown outcome."),
    };

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Refused {Action} on {Target} for {Actor}: {Code}")]
    private static partial void LogRefused(ILogger logger, string action, LogText target, LogText actor, string code);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Error, Message = "{Action} on {Target} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string action, LogText target);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Critical, Message = "Could not audit the failure of {Action} on {Target}")]
    private static partial void LogAuditUnavailable(ILogger logger, Exception exception, string action, LogText target);
}
