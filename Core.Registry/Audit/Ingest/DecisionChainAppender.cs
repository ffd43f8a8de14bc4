using Fabrix.Core.Registry.Persistence;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Audit.Ingest;

/// <summary>Rows appended by one batch, and records skipped because the chain already held them.</summary>
internal sealed record DecisionAppendResult(int Appended, int Duplicates);

/// <summary>
/// Appends a batch of lane decisions to the audit hash chain in ONE transaction (issue 9 section 4): the chain lock
/// (<see cref="AuditChain.LockKey"/>, as <see cref="AuditLog.AppendAsync"/> takes it), then in one round trip the head
/// and the batch's record ids the chain already holds; then every new row chained in order (sequence head + 1, + 2,
/// ..., each naming the previous hash) in one binary COPY, and one commit. Under the lock nobody else appends, so a
/// record found absent cannot appear before the commit; the unique index on <c>record_id</c> (migration 0011) stops a
/// double append even so.
/// <para>
/// The hash covers the details as PostgreSQL stores them. Other audit rows get that form back from the database; a
/// decision's details need no such round trip, because <see cref="DecisionRows"/> writes them from strings (sanitised:
/// no control characters, no lone surrogates) and integers only, in objects without repeated keys. PostgreSQL stores
/// such a document unchanged but for member order and whitespace, which the chain's canonical form ignores, so the hash
/// of the text sent equals the hash of the text stored. <see cref="DecisionRows"/> writes that text in the canonical
/// form itself, so the hash takes it as it is (<see cref="AuditChain.HashCanonicalDetails"/>). <c>DecisionIngestTests</c>
/// holds this against real PostgreSQL with hostile values, through both verifiers (the registry's and migration 0002's
/// <c>audit_row_hash</c>), and <c>DecisionRowsTests</c> holds the written text equal to the canonical form of what the
/// earlier JSON-tree mapping produced.
/// </para>
/// <para>
/// The hashes written are remembered once committed (<see cref="AuditWrittenHashes"/>), so the next checkpoint checks
/// these rows against them without reading their details back.
/// </para>
/// <para>
/// The read statement is prepared (per pooled connection, once): planning the statements each round was a seventh of
/// PostgreSQL's CPU in the batched <c>events-publish</c> benchmark (benchmarks/README.md, "Measured — thirteenth
/// session"); a COPY is not planned.
/// </para>
/// </summary>
internal sealed class DecisionChainAppender(RegistryDatabase database, AuditWrittenHashes writtenHashes)
{
    public async Task<DecisionAppendResult> AppendAsync(IReadOnlyList<DecisionRow> batch, CancellationToken cancellationToken)
    {
        // A record may arrive twice in one batch (a redelivery next to its original): keep the first.
        var unique = new List<DecisionRow>(batch.Count);
        var seen = new HashSet<Guid>();
        foreach (var row in batch)
        {
            if (seen.Add(row.RecordId))
            {
                unique.Add(row);
            }
        }

        await using var transaction = await database.BeginAsync(cancellationToken);
        await transaction.LockAsync(AuditChain.LockKey, cancellationToken);

        long head;
        string prevHash;
        var present = new HashSet<Guid>();
        await using (var read = transaction.CreateCommand("""
            select id, hash from audit_log order by id desc limit 1;
            select record_id from audit_log where record_id = any(@ids);
            """))
        {
            read.Parameters.AddWithValue("ids", unique.Select(r => r.RecordId).ToArray());
            await read.PrepareAsync(cancellationToken);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                head = reader.GetInt64(0);
                prevHash = reader.GetString(1);
            }
            else
            {
                head = 0;
                prevHash = AuditChain.GenesisHash;
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                present.Add(reader.GetGuid(0));
            }
        }

        var count = unique.Count(r => !present.Contains(r.RecordId));
        if (count == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new DecisionAppendResult(0, batch.Count);
        }

        // The new rows go in by binary COPY, chained in order: PostgreSQL takes each row as it comes (row triggers and
        // constraints as for an INSERT), without the parameter arrays, the unnest and its materialised result that a
        // multi-row INSERT from arrays costs it (benchmarks/README.md, "Measured — sixteenth session").
        var hashes = new string[count];
        var next = 0;
        await using (var copy = await transaction.BeginBinaryImportAsync(
            "copy audit_log (id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash, hash) from stdin (format binary)",
            cancellationToken))
        {
            for (var i = 0; i < unique.Count; i++)
            {
                var row = unique[i];
                if (present.Contains(row.RecordId))
                {
                    continue;
                }

                var entry = row.Entry;
                var sequence = head + next + 1;
                var outcome = AuditLog.OutcomeText(entry.Outcome);
                var hash = AuditChain.HashCanonicalDetails(new AuditChainRow(sequence, row.At, entry.Actor, entry.Action, entry.Target, outcome, entry.Reason,
                    entry.CorrelationId, row.DetailsJson, prevHash));
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(sequence, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(row.At, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(entry.Actor, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(entry.Action, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(entry.Target, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(outcome, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(entry.Reason, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(entry.CorrelationId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.DetailsJson, NpgsqlDbType.Jsonb, cancellationToken);
                await copy.WriteAsync(prevHash, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(hash, NpgsqlDbType.Text, cancellationToken);
                hashes[next] = hash;
                prevHash = hash;
                next++;
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        // Committed: the checkpointer may take these hashes as the ones written (it reads no details back for them).
        writtenHashes.Record(head + 1, hashes);
        return new DecisionAppendResult(count, batch.Count - count);
    }
}
