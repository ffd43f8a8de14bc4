using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Contracts.Audit;

/// <summary>
/// One audit row as an export file carries it: every field of the hash chain, so the file is enough to recompute the
/// chain outside the registry.
/// </summary>
/// <param name="Sequence">The row's position in the chain.</param>
/// <param name="At">When the row was written (the chain keeps microseconds, UTC).</param>
/// <param name="Actor"><c>user:&lt;name&gt;</c>, <c>plugin:&lt;id&gt;</c>, <c>service:&lt;name&gt;</c> or <c>system</c>.</param>
/// <param name="Action">What was done, e.g. <c>plugin.install</c>.</param>
/// <param name="Target">What it was done to.</param>
/// <param name="Outcome"><c>succeeded</c>, <c>refused</c> or <c>failed</c>.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="CorrelationId">The request's correlation id.</param>
/// <param name="DetailsJson">The row's details as a JSON object; empty means <c>{}</c>.</param>
/// <param name="PrevHash">Lower-case hex SHA-256 of the previous row.</param>
/// <param name="Hash">Lower-case hex SHA-256 of this row.</param>
public sealed record AuditFileRow(
    long Sequence,
    DateTimeOffset At,
    string Actor,
    string Action,
    string Target,
    string Outcome,
    string Reason,
    string CorrelationId,
    string DetailsJson,
    string PrevHash,
    string Hash)
{
    /// <summary>The row of a record read with <c>AuditLog.QueryAudit</c>.</summary>
    public static AuditFileRow From(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new AuditFileRow(
            record.Sequence,
            record.At.ToDateTimeOffset(),
            record.Actor,
            record.Action,
            record.Target,
            record.Outcome,
            record.Reason,
            record.CorrelationId,
            record.DetailsJson,
            record.PrevHash,
            record.Hash);
    }
}
