using System.Data;
using Fabrix.Core.Registry.Persistence;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using Npgsql;

namespace Fabrix.Core.Registry.Audit;

/// <summary>An anchor (from the stream or the caller's file) that the database lacks or holds differently.</summary>
internal sealed record AuditAnchorFinding(string Source, long Number, string Kind, string Problem)
{
    public const string StreamSource = "anchor_stream";
    public const string FileSource = "anchors_file";
}

/// <summary>Result of a verification. <see cref="FirstBrokenSequence"/> is 0 and <see cref="Problem"/> empty when intact.</summary>
internal sealed record AuditVerification(
    bool Intact,
    long RowsChecked,
    long FirstBrokenSequence,
    string Problem,
    AuditCheckpoint? Checkpoint,
    bool CheckpointValid)
{
    public long CheckpointsChecked { get; init; }

    public bool CheckpointChainValid { get; init; }

    public bool AnchorStreamChecked { get; init; }

    public string AnchorStreamProblem { get; init; } = string.Empty;

    public long StreamAnchorsCompared { get; init; }

    public long FileAnchorsCompared { get; init; }

    public IReadOnlyList<AuditAnchorFinding> AnchorFindings { get; init; } = [];

    public bool StaleHead { get; init; }

    public long RowsAfterLatestCheckpoint { get; init; }

    public long LatestCheckpointAgeSeconds { get; init; }
}

/// <summary>
/// Verifies the audit log in one repeatable-read snapshot, in batches of <see cref="BatchSize"/> (constant memory):
/// <list type="number">
/// <item>the checkpoint chain: numbers 1, 2, 3 ... without gaps, each version 2 checkpoint naming the previous one's
/// hash, every signature valid and made with a key of this registry;</item>
/// <item>the row chain: every hash recomputed, every link checked, and every checkpoint compared with the row it names
/// (hash, and row count up to it); a checkpoint beyond the last row means the tail was cut off;</item>
/// <item>the anchors: every checkpoint in the anchor stream (and every anchor the caller supplies, from an offline
/// export) must be in the database, identical; an anchor the database lacks is also compared with its row, which
/// exposes a rewritten and re-hashed log whose checkpoints were deleted;</item>
/// <item>a stale head: the latest checkpoint older than twice the checkpoint interval while rows exist after it.</item>
/// </list>
/// The snapshot and the anchor stream's length are taken under the checkpoint lock, so a checkpoint being signed at that
/// moment is in both or in neither. The first problem in sequence order is named in plain English.
/// </summary>
internal sealed class AuditVerifier(
    RegistryDatabase database,
    AuditCheckpoints checkpoints,
    AuditAnchorStream anchors,
    TimeProvider timeProvider,
    IOptions<AuditOptions> options)
{
    public const int BatchSize = 1000;

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken) => await VerifyAsync([], compareAnchorStream: true, cancellationToken);

    public Task<AuditVerification> VerifyAsync(IReadOnlyList<AuditCheckpoint> fileAnchors, CancellationToken cancellationToken) =>
        VerifyAsync(fileAnchors, compareAnchorStream: true, cancellationToken);

    /// <param name="fileAnchors">Checkpoints the caller kept offline, compared like the anchor stream.</param>
    /// <param name="compareAnchorStream">False verifies from the database alone (what an attacker who also controls NATS leaves).</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    public async Task<AuditVerification> VerifyAsync(IReadOnlyList<AuditCheckpoint> fileAnchors, bool compareAnchorStream, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var now = timeProvider.GetUtcNow();

        AuditCheckpoint? latest;
        long head;
        ulong streamLast = 0;
        var streamProblem = string.Empty;
        await using (var lockConnection = await database.DataSource.OpenConnectionAsync(cancellationToken))
        {
            await ExecuteAsync(lockConnection, "select pg_advisory_lock(hashtextextended(@key, 0))", cancellationToken);
            try
            {
                latest = await AuditCheckpoints.ReadLatestAsync(connection, transaction, cancellationToken);
                await using (var command = new NpgsqlCommand("select coalesce(max(id), 0) from audit_log", connection, transaction))
                {
                    head = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                }

                try
                {
                    streamLast = compareAnchorStream ? await anchors.LastSequenceAsync(cancellationToken) : 0;
                    streamProblem = compareAnchorStream ? string.Empty : "not compared (database-only verification)";
                }
                catch (Exception exception) when (exception is NatsException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    streamProblem = $"the anchor stream {anchors.StreamName} could not be read: {exception.Message}";
                }
            }
            finally
            {
                await ExecuteAsync(lockConnection, "select pg_advisory_unlock(hashtextextended(@key, 0))", CancellationToken.None);
            }
        }

        var problems = new Problems();
        using var signatures = new SignatureCache();
        NpgsqlCommand Create(string sql) => new(sql, connection, transaction);

        var (checkpointsChecked, latestSignatureProblem) = await CheckCheckpointChainAsync(Create, latest, signatures, problems, cancellationToken);
        var walk = await WalkRowsAsync(Create, latest, problems, cancellationToken);

        var findings = new List<AuditAnchorFinding>();
        long streamCompared = 0;
        if (streamProblem.Length == 0)
        {
            var streamAnchors = new List<AuditCheckpoint>();
            long lastAnchorNumber = 0;
            await foreach (var anchor in anchors.ReadAllAsync(streamLast, cancellationToken))
            {
                lastAnchorNumber = anchor.Checkpoint.Number;
                streamAnchors.Add(anchor.Checkpoint);
                if (streamAnchors.Count == BatchSize)
                {
                    streamCompared += await CompareAnchorsAsync(Create, streamAnchors, AuditAnchorFinding.StreamSource, signatures, findings, problems, cancellationToken);
                    streamAnchors.Clear();
                }
            }

            streamCompared += await CompareAnchorsAsync(Create, streamAnchors, AuditAnchorFinding.StreamSource, signatures, findings, problems, cancellationToken);
            await FindUnanchoredAsync(Create, lastAnchorNumber, findings, problems, cancellationToken);
        }

        long fileCompared = 0;
        foreach (var chunk in fileAnchors.Chunk(BatchSize))
        {
            fileCompared += await CompareAnchorsAsync(Create, chunk, AuditAnchorFinding.FileSource, signatures, findings, problems, cancellationToken);
        }

        // Stale head: rows after the latest checkpoint (or, with no checkpoint at all, after the first row) for longer
        // than twice the interval.
        var staleAfter = options.Value.CheckpointInterval * 2;
        long rowsAfter;
        long age = 0;
        var stale = false;
        if (latest is not null)
        {
            rowsAfter = Math.Max(0, head - latest.Sequence);
            age = (long)(now - latest.At).TotalSeconds;
            stale = rowsAfter > 0 && now - latest.At > staleAfter;
        }
        else
        {
            rowsAfter = head;
            if (head > 0)
            {
                await using var command = Create("select min(at) from audit_log");
                var oldest = await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : now;
                stale = now - oldest > staleAfter;
            }
        }

        await transaction.CommitAsync(cancellationToken);

        var first = problems.First;
        return new AuditVerification(first is null, walk.RowsChecked, first?.Sequence ?? 0, first?.Text ?? string.Empty, latest,
            latest is not null && latestSignatureProblem is null && walk.LatestMatched)
        {
            CheckpointsChecked = checkpointsChecked,
            CheckpointChainValid = !problems.Any(Source.CheckpointChain) && walk.CheckpointsMatched,
            AnchorStreamChecked = streamProblem.Length == 0,
            AnchorStreamProblem = streamProblem,
            StreamAnchorsCompared = streamCompared,
            FileAnchorsCompared = fileCompared,
            AnchorFindings = findings,
            StaleHead = stale,
            RowsAfterLatestCheckpoint = rowsAfter,
            LatestCheckpointAgeSeconds = age,
        };
    }

    /// <summary>Numbers without gaps, links, signatures; returns how many were checked and the latest one's signature problem.</summary>
    private async Task<(long Checked, string? LatestSignatureProblem)> CheckCheckpointChainAsync(Func<string, NpgsqlCommand> create,
        AuditCheckpoint? latest, SignatureCache signatures, Problems problems, CancellationToken cancellationToken)
    {
        long count = 0;
        AuditCheckpoint? previous = null;
        string? latestProblem = null;
        var after = long.MinValue;
        while (true)
        {
            var batch = new List<AuditCheckpoint>(BatchSize);
            await using (var command = create($"select {AuditCheckpoints.Columns} from audit_checkpoints where number > @after order by number limit @limit"))
            {
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("limit", BatchSize);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    batch.Add(AuditCheckpoints.ReadCheckpoint(reader));
                }
            }

            foreach (var checkpoint in batch)
            {
                count++;
                var expectedNumber = (previous?.Number ?? 0) + 1;
                if (checkpoint.Number != expectedNumber)
                {
                    problems.Add(Source.CheckpointChain, checkpoint.Sequence, expectedNumber == checkpoint.Number - 1
                        ? $"checkpoint {expectedNumber} is missing: the checkpoints go from {expectedNumber - 1} to {checkpoint.Number} (checkpoint deleted?)"
                        : $"checkpoints {expectedNumber}–{checkpoint.Number - 1} are missing (checkpoints deleted?)");
                }
                else if (checkpoint.Version >= 2 && checkpoint.PreviousCheckpointHash != previous?.Hash)
                {
                    problems.Add(Source.CheckpointChain, checkpoint.Sequence,
                        $"checkpoint {checkpoint.Number} does not name checkpoint {checkpoint.Number - 1}'s hash (checkpoints replaced or reordered?)");
                }
                else if (previous is not null && checkpoint.Sequence < previous.Sequence)
                {
                    problems.Add(Source.CheckpointChain, checkpoint.Sequence,
                        $"checkpoint {checkpoint.Number} names row {checkpoint.Sequence}, before checkpoint {previous.Number}'s row {previous.Sequence} (checkpoints reordered?)");
                }

                var signatureProblem = await checkpoints.CheckSignatureAsync(create, checkpoint, signatures, cancellationToken);
                if (signatureProblem is not null)
                {
                    problems.Add(Source.CheckpointChain, checkpoint.Sequence, signatureProblem);
                }

                if (latest is not null && checkpoint.Number == latest.Number)
                {
                    latestProblem = signatureProblem;
                }

                previous = checkpoint;
                after = checkpoint.Number;
            }

            if (batch.Count < BatchSize)
            {
                return (count, latestProblem);
            }
        }
    }

    private sealed record Walk(long RowsChecked, bool CheckpointsMatched, bool LatestMatched);

    /// <summary>Recomputes every hash and link and compares every checkpoint with its row; stops at the first problem.</summary>
    private static async Task<Walk> WalkRowsAsync(Func<string, NpgsqlCommand> create, AuditCheckpoint? latest, Problems problems, CancellationToken cancellationToken)
    {
        long rowsChecked = 0;
        long? previousSequence = null;
        var previousHash = AuditChain.GenesisHash;
        var after = long.MinValue;
        var failed = false;
        var latestMatched = false;
        var checkpointAfter = long.MinValue;
        while (!failed)
        {
            var rows = new List<AuditStoredRow>(BatchSize);
            await using (var command = create($"select {AuditRows.Columns} from audit_log where id > @after order by id limit @limit"))
            {
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("limit", BatchSize);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add(AuditRows.Read(reader));
                }
            }

            // The checkpoints naming rows up to this batch's last row (and, after the last batch, every other one).
            var last = rows.Count == BatchSize ? rows[^1].Sequence : long.MaxValue;
            var pending = new Queue<AuditCheckpoint>();
            await using (var command = create($"select {AuditCheckpoints.Columns} from audit_checkpoints where sequence > @after and sequence <= @last order by sequence, number"))
            {
                command.Parameters.AddWithValue("after", checkpointAfter);
                command.Parameters.AddWithValue("last", last);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    pending.Enqueue(AuditCheckpoints.ReadCheckpoint(reader));
                }
            }

            checkpointAfter = last;
            foreach (var row in rows)
            {
                var sequence = row.Sequence;
                if (pending.TryPeek(out var skipped) && skipped.Sequence < sequence)
                {
                    problems.Add(Source.Rows, skipped.Sequence, $"checkpoint at row {skipped.Sequence} but that row is missing (deleted?)");
                    failed = true;
                    break;
                }

                if (AuditChain.Hash(row.ChainRow) != row.Hash)
                {
                    problems.Add(Source.Rows, sequence, $"row {sequence}: hash does not match its contents (edited?)");
                    failed = true;
                    break;
                }

                if (row.PrevHash != previousHash)
                {
                    problems.Add(Source.Rows, sequence, previousSequence switch
                    {
                        null => $"row {sequence}: prev_hash is not the first row's 64 zeros, yet no row precedes it (earlier rows deleted?)",
                        var previous when previous + 1 == sequence =>
                            $"row {sequence}: prev_hash does not match row {previous}'s hash (rows reordered or replaced?)",
                        var previous when previous + 2 == sequence =>
                            $"row {sequence}: prev_hash does not match row {previous}'s hash (row {previous + 1} deleted or rows reordered?)",
                        var previous =>
                            $"row {sequence}: prev_hash does not match row {previous}'s hash (rows {previous + 1}–{sequence - 1} deleted or rows reordered?)",
                    });
                    failed = true;
                    break;
                }

                var counted = rowsChecked + 1;
                while (!failed && pending.TryPeek(out var checkpoint) && checkpoint.Sequence == sequence)
                {
                    pending.Dequeue();
                    if (row.Hash != checkpoint.HeadHash)
                    {
                        problems.Add(Source.Rows, sequence, $"row {sequence}: hash differs from the signed checkpoint (rows up to {sequence} rewritten, or the tail truncated and written again?)");
                        failed = true;
                    }
                    else if (counted != checkpoint.RowCount)
                    {
                        problems.Add(Source.Rows, sequence, $"the signed checkpoint counts {checkpoint.RowCount} rows up to row {sequence} but the log has {counted} (rows deleted and the chain rebuilt?)");
                        failed = true;
                    }
                    else if (latest is not null && checkpoint.Number == latest.Number)
                    {
                        latestMatched = true;
                    }
                }

                if (failed)
                {
                    break;
                }

                rowsChecked = counted;
                previousSequence = sequence;
                previousHash = row.Hash;
                after = sequence;
            }

            if (!failed && rows.Count < BatchSize)
            {
                // Checkpoints beyond the last row: the tail was cut off. Named by the latest of them.
                var beyond = pending.Where(c => c.Sequence > (previousSequence ?? 0)).MaxBy(c => c.Number);
                if (beyond is not null)
                {
                    var end = previousSequence ?? 0;
                    problems.Add(Source.Rows, end + 1, previousSequence is null
                        ? $"checkpoint at row {beyond.Sequence} but the log is empty (all rows deleted?)"
                        : $"checkpoint at row {beyond.Sequence} but the log ends at row {end} (tail truncated?)");
                    failed = true;
                }

                break;
            }
        }

        return new Walk(rowsChecked, !failed, latestMatched);
    }

    /// <summary>Compares anchors with the database's checkpoints of the same numbers; returns how many were compared.</summary>
    private async Task<long> CompareAnchorsAsync(Func<string, NpgsqlCommand> create, IReadOnlyCollection<AuditCheckpoint> batch, string source,
        SignatureCache signatures, List<AuditAnchorFinding> findings, Problems problems, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        var stored = new Dictionary<long, AuditCheckpoint>();
        await using (var command = create($"select {AuditCheckpoints.Columns} from audit_checkpoints where number = any(@numbers)"))
        {
            command.Parameters.AddWithValue("numbers", batch.Select(a => a.Number).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var checkpoint = AuditCheckpoints.ReadCheckpoint(reader);
                stored[checkpoint.Number] = checkpoint;
            }
        }

        var name = source == AuditAnchorFinding.StreamSource ? "the anchor stream" : "the anchors file";
        foreach (var anchor in batch)
        {
            if (await checkpoints.CheckSignatureAsync(create, anchor, signatures, cancellationToken) is { } invalid)
            {
                findings.Add(new AuditAnchorFinding(source, anchor.Number, "invalid", $"{name}: {invalid}"));
                continue;
            }

            if (stored.TryGetValue(anchor.Number, out var checkpoint) && checkpoint.Hash == anchor.Hash)
            {
                continue;
            }

            var kind = checkpoint is null ? "missing" : "different";
            var text = checkpoint is null
                ? $"checkpoint {anchor.Number} (row {anchor.Sequence}) is in {name} but missing from the database (deleted?)"
                : $"checkpoint {anchor.Number} in the database differs from {name} (checkpoint edited or replaced?)";
            findings.Add(new AuditAnchorFinding(source, anchor.Number, kind, text));
            problems.Add(Source.Anchors, anchor.Sequence, text);

            // The anchored head against the row it names: exposes rows rewritten and re-hashed under deleted checkpoints.
            await using var row = create("select hash from audit_log where id = @id");
            row.Parameters.AddWithValue("id", anchor.Sequence);
            var hash = await row.ExecuteScalarAsync(cancellationToken) as string;
            if (hash != anchor.HeadHash)
            {
                problems.Add(Source.Rows, anchor.Sequence, hash is null
                    ? $"row {anchor.Sequence}, named by anchored checkpoint {anchor.Number}, is missing (tail truncated?)"
                    : $"row {anchor.Sequence}: hash differs from anchored checkpoint {anchor.Number} (rows rewritten and re-hashed?)");
            }
        }

        return batch.Count;
    }

    /// <summary>Version 2 checkpoints in the database beyond the stream's last anchor: never published, so not the registry's.</summary>
    private static async Task FindUnanchoredAsync(Func<string, NpgsqlCommand> create, long lastAnchorNumber, List<AuditAnchorFinding> findings,
        Problems problems, CancellationToken cancellationToken)
    {
        await using var command = create($"select {AuditCheckpoints.Columns} from audit_checkpoints where version >= 2 and number > @last order by number limit 100");
        command.Parameters.AddWithValue("last", lastAnchorNumber);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var checkpoint = AuditCheckpoints.ReadCheckpoint(reader);
            var text = $"checkpoint {checkpoint.Number} (row {checkpoint.Sequence}) is in the database but not in the anchor stream (inserted, or the anchor stream replaced?)";
            findings.Add(new AuditAnchorFinding(AuditAnchorFinding.StreamSource, checkpoint.Number, "unanchored", text));
            problems.Add(Source.Anchors, checkpoint.Sequence, text);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("key", AuditCheckpoints.LockKey);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private enum Source
    {
        // At the same row, a bad checkpoint is the cause and is named before what the walk or the anchors find there.
        CheckpointChain = 0,
        Rows = 1,
        Anchors = 2,
    }

    /// <summary>Every problem found; the first in sequence order (then by source) is the one reported.</summary>
    private sealed class Problems
    {
        private readonly List<(Source Source, long Sequence, string Text)> _all = [];

        public (long Sequence, string Text)? First =>
            _all.Count == 0 ? null : _all.OrderBy(p => p.Sequence).ThenBy(p => p.Source).Select(p => (p.Sequence, p.Text)).First();

        public void Add(Source source, long sequence, string text)
        {
            if (_all.Count < 1000)
            {
                _all.Add((source, sequence, text));
            }
        }

        public bool Any(Source source) => _all.Exists(p => p.Source == source);
    }
}
