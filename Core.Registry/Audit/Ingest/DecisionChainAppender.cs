using Fabrix.Core.Registry.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Audit.Ingest;

/// <summary>Rows appended by one batch, and records skipped because the chain already held them.</summary>
internal sealed record DecisionAppendResult(int Appended, int Duplicates);

/// <summary>
/// Appends a batch of lane decisions to the audit hash chain in ONE transaction (issue 9 section 4): the chain lock
/// (<see cref="AuditChain.LockKey"/>, as <see cref="AuditLog.AppendAsync"/> takes it), then in one round trip the head
/// and the batch's record ids the chain already holds; then every new row chained in order (sequence head + 1, + 2,
/// ..., each naming the previous hash) in one multi-row INSERT, and one commit. Under the lock nobody else appends, so a
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
/// The two statements are prepared (per pooled connection, once): planning the INSERT from <c>unnest</c> each round
/// was a seventh of PostgreSQL's CPU in the batched <c>events-publish</c> benchmark (benchmarks/README.md,
/// "Measured — thirteenth session").
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

        var ids = new long[count];
        var ats = new DateTimeOffset[count];
        var actors = new string[count];
        var actions = new string[count];
        var targets = new string[count];
        var outcomes = new string[count];
        var reasons = new string[count];
        var correlations = new string[count];
        var storedDetails = new string[count];
        var prevHashes = new string[count];
        var hashes = new string[count];
        var next = 0;
        for (var i = 0; i < unique.Count; i++)
        {
            var row = unique[i];
            if (present.Contains(row.RecordId))
            {
                continue;
            }

            var entry = row.Entry;
            var details = row.DetailsJson;
            var sequence = head + next + 1;
            var outcome = AuditLog.OutcomeText(entry.Outcome);
            var hash = AuditChain.HashCanonicalDetails(new AuditChainRow(sequence, row.At, entry.Actor, entry.Action, entry.Target, outcome, entry.Reason,
                entry.CorrelationId, details, prevHash));
            (ids[next], ats[next], actors[next], actions[next], targets[next], outcomes[next], reasons[next], correlations[next]) =
                (sequence, row.At, entry.Actor, entry.Action, entry.Target, outcome, entry.Reason, entry.CorrelationId);
            (storedDetails[next], prevHashes[next], hashes[next]) = (details, prevHash, hash);
            prevHash = hash;
            next++;
        }

        await using (var insert = transaction.CreateCommand("""
            insert into audit_log (id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash, hash)
            select id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash, hash
            from unnest(@ids, @ats, @actors, @actions, @targets, @outcomes, @reasons, @correlations, @details, @prev_hashes, @hashes)
                with ordinality as r (id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash, hash, n)
            order by n
            """))
        {
            insert.Parameters.AddWithValue("ids", ids);
            insert.Parameters.Add(new NpgsqlParameter("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = ats });
            insert.Parameters.AddWithValue("actors", actors);
            insert.Parameters.AddWithValue("actions", actions);
            insert.Parameters.AddWithValue("targets", targets);
            insert.Parameters.AddWithValue("outcomes", outcomes);
            insert.Parameters.AddWithValue("reasons", reasons);
            insert.Parameters.AddWithValue("correlations", correlations);
            insert.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = storedDetails });
            insert.Parameters.AddWithValue("prev_hashes", prevHashes);
            insert.Parameters.AddWithValue("hashes", hashes);
            await insert.PrepareAsync(cancellationToken);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        // Committed: the checkpointer may take these hashes as the ones written (it reads no details back for them).
        writtenHashes.Record(head + 1, hashes);
        return new DecisionAppendResult(count, batch.Count - count);
    }
}
