using Fabrix.Contracts.Audit;
using Npgsql;

namespace Fabrix.Core.Registry.Audit;

/// <summary>One stored audit row: what its hash covers, and the hash it carries.</summary>
internal sealed record AuditStoredRow(AuditChainRow ChainRow, string Hash)
{
    public long Sequence => ChainRow.Sequence;

    public string PrevHash => ChainRow.PrevHash;

    /// <summary>The row as the export files carry it (<see cref="AuditFileFormat"/>).</summary>
    public AuditFileRow ToFileRow() => new(
        ChainRow.Sequence, ChainRow.At, ChainRow.Actor, ChainRow.Action, ChainRow.Target, ChainRow.Outcome, ChainRow.Reason,
        ChainRow.CorrelationId, ChainRow.DetailsJson, ChainRow.PrevHash, Hash);
}

/// <summary>Reads audit rows in one column order, shared by verification, queries and export.</summary>
internal static class AuditRows
{
    /// <summary>The column list every reader of <see cref="Read"/> selects, in this order.</summary>
    public const string Columns = "id, at, actor, action, target, outcome, reason, correlation_id, details::text, prev_hash, hash";

    public static AuditStoredRow Read(NpgsqlDataReader reader) => new(
        new AuditChainRow(
            reader.GetInt64(0),
            reader.GetFieldValue<DateTimeOffset>(1),
            reader.GetString(2),
            reader.GetString(3),
            reader.GetString(4),
            reader.GetString(5),
            reader.GetString(6),
            reader.GetString(7),
            reader.GetString(8),
            reader.GetString(9)),
        reader.GetString(10));
}
