using System.Data;
using Fabrix.Core.Registry.Persistence;
using Npgsql;

namespace Fabrix.Core.Registry.Audit;

/// <summary>Result of walking the chain. <see cref="FirstBrokenSequence"/> is 0 and <see cref="Problem"/> empty when intact.</summary>
internal sealed record AuditVerification(
    bool Intact,
    long RowsChecked,
    long FirstBrokenSequence,
    string Problem,
    AuditCheckpoint? Checkpoint,
    bool CheckpointValid);

/// <summary>
/// Walks the audit chain in sequence order, in batches of <see cref="BatchSize"/> rows (constant memory, one
/// repeatable-read snapshot so the chain and the checkpoint are seen at one instant), recomputes every hash, checks every
/// link and compares the latest signed checkpoint with the chain. Stops at the first problem and names it in plain
/// English: an edited row fails its own hash; a deleted or moved row breaks the next row's link; a truncated tail ends
/// before the checkpoint's row; a rewritten prefix no longer ends in the checkpoint's hash.
/// </summary>
internal sealed class AuditVerifier(RegistryDatabase database, AuditCheckpoints checkpoints)
{
    public const int BatchSize = 1000;

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

        var checkpoint = await AuditCheckpoints.ReadLatestAsync(connection, transaction, cancellationToken);
        var signatureProblem = checkpoint is null ? null : await checkpoints.CheckSignatureAsync(connection, transaction, checkpoint, cancellationToken);

        var walk = new ChainWalk(checkpoint);
        var after = long.MinValue;
        while (walk.Problem is null)
        {
            var batch = 0;
            await using var command = new NpgsqlCommand(
                $"select {AuditRows.Columns} from audit_log where id > @after order by id limit @limit", connection, transaction);
            command.Parameters.AddWithValue("after", after);
            command.Parameters.AddWithValue("limit", BatchSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (walk.Problem is null && await reader.ReadAsync(cancellationToken))
            {
                batch++;
                var row = AuditRows.Read(reader);
                walk.Check(row);
                after = row.Sequence;
            }

            if (batch < BatchSize)
            {
                break;
            }
        }

        walk.Finish();
        await transaction.CommitAsync(cancellationToken);

        // The first problem in sequence order wins; a bad signature is placed at the checkpoint's row and, being the
        // cause, wins over what the walk finds at that same row.
        var (brokenAt, problem) = walk.Problem ?? (0L, string.Empty);
        if (signatureProblem is not null && (walk.Problem is null || checkpoint!.Sequence <= brokenAt))
        {
            (brokenAt, problem) = (checkpoint!.Sequence, signatureProblem);
        }

        var intact = problem.Length == 0;
        return new AuditVerification(intact, walk.RowsChecked, brokenAt, problem, checkpoint,
            checkpoint is not null && signatureProblem is null && walk.CheckpointMatched);
    }

    /// <summary>The state of one walk: the previous row, rows counted, and what the checkpoint expects.</summary>
    private sealed class ChainWalk(AuditCheckpoint? checkpoint)
    {
        private long? _previousSequence;
        private string _previousHash = AuditChain.GenesisHash;
        private long _rowsUpToCheckpoint;

        public long RowsChecked { get; private set; }

        public (long Sequence, string Text)? Problem { get; private set; }

        public bool CheckpointMatched { get; private set; }

        public void Check(AuditStoredRow row)
        {
            var sequence = row.Sequence;
            if (AuditChain.Hash(row.ChainRow) != row.Hash)
            {
                Fail(sequence, $"row {sequence}: hash does not match its contents (edited?)");
                return;
            }

            if (row.PrevHash != _previousHash)
            {
                Fail(sequence, _previousSequence switch
                {
                    null => $"row {sequence}: prev_hash is not the first row's 64 zeros, yet no row precedes it (earlier rows deleted?)",
                    var previous when previous + 1 == sequence =>
                        $"row {sequence}: prev_hash does not match row {previous}'s hash (rows reordered or replaced?)",
                    var previous when previous + 2 == sequence =>
                        $"row {sequence}: prev_hash does not match row {previous}'s hash (row {previous + 1} deleted or rows reordered?)",
                    var previous =>
                        $"row {sequence}: prev_hash does not match row {previous}'s hash (rows {previous + 1}–{sequence - 1} deleted or rows reordered?)",
                });
                return;
            }

            if (checkpoint is not null && !CheckpointMatched)
            {
                if (sequence > checkpoint.Sequence)
                {
                    Fail(checkpoint.Sequence, $"checkpoint at row {checkpoint.Sequence} but that row is missing (deleted?)");
                    return;
                }

                _rowsUpToCheckpoint++;
                if (sequence == checkpoint.Sequence)
                {
                    if (row.Hash != checkpoint.HeadHash)
                    {
                        Fail(sequence, $"row {sequence}: hash differs from the signed checkpoint (rows up to {sequence} rewritten, or the tail truncated and written again?)");
                        return;
                    }

                    if (_rowsUpToCheckpoint != checkpoint.RowCount)
                    {
                        Fail(sequence, $"the signed checkpoint counts {checkpoint.RowCount} rows up to row {sequence} but the log has {_rowsUpToCheckpoint} (rows deleted and the chain rebuilt?)");
                        return;
                    }

                    CheckpointMatched = true;
                }
            }

            RowsChecked++;
            _previousSequence = sequence;
            _previousHash = row.Hash;
        }

        /// <summary>After the last row: a checkpoint beyond the end means the tail was cut off.</summary>
        public void Finish()
        {
            if (Problem is null && checkpoint is not null && !CheckpointMatched)
            {
                var end = _previousSequence ?? 0;
                Fail(end + 1, _previousSequence is null
                    ? $"checkpoint at row {checkpoint.Sequence} but the log is empty (all rows deleted?)"
                    : $"checkpoint at row {checkpoint.Sequence} but the log ends at row {end} (tail truncated?)");
            }
        }

        private void Fail(long sequence, string text) => Problem = (sequence, text);
    }
}
