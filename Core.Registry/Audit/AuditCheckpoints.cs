using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Tokens;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// A signed statement "the chain had <see cref="RowCount"/> rows up to row <see cref="Sequence"/>, whose hash was
/// <see cref="HeadHash"/>", signed ES256 with the registry's signing key <see cref="KeyId"/> (published in the JWKS).
/// Checkpoints form a chain of their own (issue 7 section 2, CloudTrail's digest model): checkpoint
/// <see cref="Number"/> names the <see cref="Hash"/> of checkpoint <c>Number - 1</c> in its signed text, so deleting,
/// editing or reordering checkpoints breaks the chain. Version 1 checkpoints were signed before migration 0006 and are
/// not linked.
/// </summary>
internal sealed record AuditCheckpoint(
    long Number,
    long Sequence,
    string HeadHash,
    long RowCount,
    DateTimeOffset At,
    string KeyId,
    string? PreviousCheckpointHash,
    int Version,
    string Signature)
{
    public const string Version1 = "fabrix.audit.checkpoint.v1";
    public const string Version2 = "fabrix.audit.checkpoint.v2";

    /// <summary>
    /// What the signature covers (UTF-8). Version 2:
    /// <c>fabrix.audit.checkpoint.v2|number|sequence|head_hash|row_count|at|key_id|previous_checkpoint_hash</c> (the
    /// previous hash empty for checkpoint 1); version 1: <c>fabrix.audit.checkpoint.v1|sequence|head_hash|row_count|at|key_id</c>.
    /// <c>at</c> as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>. The signature is base64url of the 64-byte r‖s ECDSA P-256
    /// SHA-256 signature, as in JWS ES256.
    /// </summary>
    public string SignedText => Version == 1
        ? string.Join('|',
            Version1,
            Sequence.ToString(CultureInfo.InvariantCulture),
            HeadHash,
            RowCount.ToString(CultureInfo.InvariantCulture),
            AuditChain.FormatTime(At),
            KeyId)
        : string.Join('|',
            Version2,
            Number.ToString(CultureInfo.InvariantCulture),
            Sequence.ToString(CultureInfo.InvariantCulture),
            HeadHash,
            RowCount.ToString(CultureInfo.InvariantCulture),
            AuditChain.FormatTime(At),
            KeyId,
            PreviousCheckpointHash ?? string.Empty);

    /// <summary>Lower-case hex SHA-256 of <c>&lt;signed text&gt;|&lt;signature&gt;</c>: what the next checkpoint names.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{SignedText}|{Signature}")));
}

/// <summary>What one checkpoint attempt did.</summary>
internal enum CheckpointOutcome
{
    /// <summary>A new checkpoint was signed, anchored and stored.</summary>
    Written,

    /// <summary>Neither the head nor the signing key moved since the last checkpoint.</summary>
    Unchanged,

    /// <summary>The log has no rows yet.</summary>
    EmptyLog,

    /// <summary>
    /// The head does not extend the last checkpoint the registry signed (rows or checkpoints edited, deleted or
    /// re-hashed, or the database disagrees with the anchor stream): nothing is signed.
    /// </summary>
    ChainBroken,
}

internal sealed record CheckpointAttempt(CheckpointOutcome Outcome, AuditCheckpoint? Checkpoint, string? Problem);

/// <summary>
/// Writes and checks signed checkpoints (<c>audit_checkpoints</c>, append-only, numbered and linked). The registry never
/// signs a head that does not extend the last checkpoint it signed. Before signing it: (1) compares the database's last
/// checkpoint with the anchor stream's last anchor, which the database superuser cannot rewrite; (2) re-verifies every
/// row from that checkpoint's row to the head (link, and hash: the one the registry wrote for the rows it appended
/// itself, <see cref="AuditWrittenHashes"/>, the hash of the contents for the others), and the row count up to it. On any mismatch it refuses,
/// logs at Critical and reports the chain broken (<see cref="AuditChainHealth"/>: <c>/health</c> Degraded).
/// Ordering of the two stores: the checkpoint is published to the anchor stream first and inserted into the database
/// only after JetStream acknowledged it, in the same database transaction that holds the checkpoint lock. So the
/// database never holds a checkpoint the stream lacks; the stream may hold one more than the database (the commit
/// failed or the process died after the publish), and the next attempt re-inserts exactly that signed anchor when the
/// rows still match it, or refuses. A checkpoint is written only when the head moved or the active signing key changed.
/// </summary>
internal sealed partial class AuditCheckpoints(
    RegistryDatabase database,
    SigningKeyRing keyRing,
    AuditAnchorStream anchors,
    IDataProtectionProvider dataProtection,
    TimeProvider timeProvider,
    ILogger<AuditCheckpoints> logger,
    AuditWrittenHashes writtenHashes,
    IOptions<AuditOptions> options)
{
    public const string LockKey = "fabrix.registry.audit-checkpoints";

    // When the rows up to the last signed checkpoint were last counted (UTC ticks; 0: not since start).
    private long _countedAt;

    /// <summary>Data Protection purpose of the signing keys' private halves (SigningKeyRing; README "Keys at rest").</summary>
    private const string SigningKeyPurpose = "Fabrix.Core.Registry.SigningKeys.v1";

    private readonly IDataProtector _signingKeyProtector = dataProtection.CreateProtector(SigningKeyPurpose);

    public async Task<CheckpointAttempt> WriteIfMovedAsync(CancellationToken cancellationToken)
    {
        // The signing key, and the audit row that creating one appends, are committed BEFORE the checkpoint's
        // transaction: the anchor published below outlives a commit lost right after the publish (a crash), and the
        // next attempt restores that checkpoint from the stream only if the key it names and every row it covers are in
        // the database. Created inside this transaction, both went with the lost commit, and every later attempt
        // refused for good ("names signing key ..., which the registry does not have").
        await using (var keyTransaction = await database.BeginAsync(cancellationToken))
        {
            await keyRing.GetActiveAsync(keyTransaction, cancellationToken);
            await keyTransaction.CommitAsync(cancellationToken);
        }

        await using var transaction = await database.BeginAsync(cancellationToken);

        // One writer at a time across instances. The key is read first: in the rare case that it changed and cannot be
        // decrypted since the commit above, replacing it appends an audit row, which the head read below then includes.
        await transaction.LockAsync(LockKey, cancellationToken);
        var key = await keyRing.GetActiveAsync(transaction, cancellationToken);

        (long Sequence, string Hash)? head;
        await using (var command = transaction.CreateCommand("select id, hash from audit_log order by id desc limit 1"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            head = await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
        }

        AuditCheckpoint? latest;
        await using (var command = transaction.CreateCommand(LatestSql))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            latest = await reader.ReadAsync(cancellationToken) ? ReadCheckpoint(reader) : null;
        }

        var anchor = await anchors.ReadLastAsync(cancellationToken);

        // What the registry last signed: the anchor stream's last entry; before the first anchor, the database's last
        // (version 1) checkpoint, if any.
        AuditCheckpoint? expected;
        var restore = false;
        string? problem = null;
        if (anchor is null)
        {
            expected = latest;
            if (latest is { Version: >= 2 })
            {
                problem = $"the anchor stream {anchors.StreamName} is empty but the database holds checkpoint {latest.Number}, which only this registry can have signed and published there first (anchor stream replaced, or checkpoint inserted?)";
            }
        }
        else
        {
            expected = anchor.Checkpoint;
            var a = anchor.Checkpoint;
            if (latest is null || latest.Number < a.Number)
            {
                // One anchor ahead whose predecessor the database holds: the commit after the publish was lost.
                if (a.Number == (latest?.Number ?? 0) + 1 && a.PreviousCheckpointHash == latest?.Hash)
                {
                    restore = true;
                }
                else
                {
                    problem = latest is null
                        ? $"the anchor stream holds checkpoints up to {a.Number} but the database has none (checkpoints deleted?)"
                        : $"the anchor stream holds checkpoints up to {a.Number} but the database's last is {latest.Number} (checkpoints {latest.Number + 1}–{a.Number} deleted?)";
                }
            }
            else if (latest.Number > a.Number)
            {
                problem = $"the database holds checkpoint {latest.Number} but the anchor stream ends at {a.Number} (checkpoint inserted?)";
            }
            else if (latest.Hash != a.Hash)
            {
                problem = $"checkpoint {latest.Number} in the database differs from the one in the anchor stream (checkpoint edited or replaced?)";
            }
        }

        if (problem is null && restore)
        {
            using var cache = new SignatureCache();
            problem = await CheckSignatureAsync(transaction.CreateCommand, expected!, cache, cancellationToken);
        }

        long rowCount = 0;
        if (problem is null && expected is not null)
        {
            (problem, rowCount) = await CheckRowsSinceAsync(transaction, expected, head, cancellationToken);
        }
        else if (problem is null && head is not null)
        {
            await using var count = transaction.CreateCommand("select count(*) from audit_log where id <= @head");
            count.Parameters.AddWithValue("head", head.Value.Sequence);
            rowCount = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
            Interlocked.Exchange(ref _countedAt, timeProvider.GetUtcNow().UtcTicks);
        }

        if (problem is not null)
        {
            LogChainBroken(logger, problem);
            return new CheckpointAttempt(CheckpointOutcome.ChainBroken, latest, problem);
        }

        if (restore)
        {
            await InsertAsync(transaction, expected!, cancellationToken);
            LogRestored(logger, expected!.Number);
        }

        if (head is null)
        {
            await transaction.CommitAsync(cancellationToken);
            return new CheckpointAttempt(CheckpointOutcome.EmptyLog, null, null);
        }

        if (expected is not null && expected.Sequence == head.Value.Sequence && expected.HeadHash == head.Value.Hash && expected.KeyId == key.KeyId)
        {
            await transaction.CommitAsync(cancellationToken);
            writtenHashes.ForgetThrough(expected.Sequence);
            return new CheckpointAttempt(CheckpointOutcome.Unchanged, expected, null);
        }

        // Signed after the head was read, so every row it covers was committed before this instant.
        var at = RegistryDatabase.PostgresPrecision(timeProvider.GetUtcNow());
        var unsigned = new AuditCheckpoint((expected?.Number ?? 0) + 1, head.Value.Sequence, head.Value.Hash, rowCount, at, key.KeyId,
            expected?.Hash, 2, string.Empty);
        var signature = Base64Url.EncodeToString(key.PrivateKey.ECDsa.SignData(Encoding.UTF8.GetBytes(unsigned.SignedText), HashAlgorithmName.SHA256));
        var checkpoint = unsigned with { Signature = signature };

        // Anchor first, database second (see the type's remarks); a failed publish leaves neither.
        await anchors.PublishAsync(checkpoint, anchor?.StreamSequence ?? 0, cancellationToken);
        await InsertAsync(transaction, checkpoint, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        writtenHashes.ForgetThrough(checkpoint.Sequence);

        // Shipped logs keep a third copy of every checkpoint.
        LogWritten(logger, checkpoint.Number, checkpoint.Sequence, checkpoint.HeadHash, checkpoint.RowCount, checkpoint.KeyId);
        return new CheckpointAttempt(CheckpointOutcome.Written, checkpoint, null);
    }

    /// <summary>
    /// Re-verifies the rows from <paramref name="expected"/>'s row to the head: that row still has the signed hash, the
    /// rows up to it are as many as signed, every later row's link is right, and its hash is the one this registry wrote
    /// (<see cref="AuditWrittenHashes"/>) or, for a row it did not write, the hash of its contents. Returns the problem
    /// (null when the head extends the checkpoint) and the row count up to the head.
    /// </summary>
    /// <remarks>
    /// Rows are read in batches of <see cref="AuditVerifier.BatchSize"/> as sequence, links and hash only; the contents
    /// (details included) are read for the rows of a batch that are not in <see cref="AuditWrittenHashes"/>. Re-hashing
    /// the contents of every row since the last checkpoint made the checkpoint read back everything the lanes had audited
    /// in the last interval (48 MB and two seconds of the registry's CPU per minute of batched <c>events-publish</c>).
    /// </remarks>
    private async Task<(string? Problem, long RowCount)> CheckRowsSinceAsync(RegistryTransaction transaction, AuditCheckpoint expected,
        (long Sequence, string Hash)? head, CancellationToken cancellationToken)
    {
        if (head is null || head.Value.Sequence < expected.Sequence)
        {
            return ($"row {expected.Sequence}, named by the last signed checkpoint ({expected.Number}), is missing (the log ends at {(head is null ? "no row" : $"row {head.Value.Sequence}")}; tail truncated?)", 0);
        }

        // Counting reads the whole table (or its primary key): done every RowCountInterval, not at every checkpoint (AuditOptions).
        var now = timeProvider.GetUtcNow().UtcTicks;
        var countedAt = Interlocked.Read(ref _countedAt);
        if (countedAt == 0 || now - countedAt >= options.Value.RowCountInterval.Ticks)
        {
            await using var count = transaction.CreateCommand("select count(*) from audit_log where id <= @sequence");
            count.Parameters.AddWithValue("sequence", expected.Sequence);
            var rows = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
            if (rows != expected.RowCount)
            {
                return ($"the last signed checkpoint ({expected.Number}) counts {expected.RowCount} rows up to row {expected.Sequence} but the log has {rows} (rows deleted?)", 0);
            }

            Interlocked.Exchange(ref _countedAt, now);
        }

        var rowCount = expected.RowCount;
        string? previousHash = null;
        long previous = 0;
        var after = expected.Sequence - 1;
        var links = new List<(long Sequence, string PrevHash, string Hash)>(AuditVerifier.BatchSize);
        while (true)
        {
            links.Clear();
            await using (var command = transaction.CreateCommand("select id, prev_hash, hash from audit_log where id > @after and id <= @head order by id limit @limit"))
            {
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("head", head.Value.Sequence);
                command.Parameters.AddWithValue("limit", AuditVerifier.BatchSize);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    links.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
                }
            }

            // The rows of this batch the registry did not write (or no longer remembers): their contents are hashed.
            // Per row: null = not written by this registry (or no longer remembered), else whether its hash is the one written.
            var written = new bool?[links.Count];
            List<long>? unknown = null;
            for (var i = 0; i < links.Count; i++)
            {
                var (sequence, _, hash) = links[i];
                if (sequence == expected.Sequence)
                {
                    continue;
                }

                if (writtenHashes.TryCheck(sequence, hash, out var matches))
                {
                    written[i] = matches;
                }
                else
                {
                    (unknown ??= []).Add(sequence);
                }
            }

            var contents = unknown is null ? null : await ReadRowsAsync(transaction, unknown, cancellationToken);
            for (var i = 0; i < links.Count; i++)
            {
                var (sequence, prevHash, hash) = links[i];
                if (previousHash is null)
                {
                    if (sequence != expected.Sequence || hash != expected.HeadHash)
                    {
                        return (sequence != expected.Sequence
                            ? $"row {expected.Sequence}, named by the last signed checkpoint ({expected.Number}), is missing (deleted?)"
                            : $"row {expected.Sequence} no longer has the hash the last signed checkpoint ({expected.Number}) recorded (rows rewritten and re-hashed?)", 0);
                    }
                }
                else
                {
                    if (written[i] == false)
                    {
                        return ($"row {sequence}: hash is not the one the registry wrote (rows rewritten and re-hashed?)", 0);
                    }

                    if (written[i] is null)
                    {
                        if (!contents!.TryGetValue(sequence, out var row) || row.Hash != hash || row.PrevHash != prevHash)
                        {
                            return ($"the log's row {sequence} changed while it was being checked", 0);
                        }

                        if (AuditChain.Hash(row.ChainRow) != hash)
                        {
                            return ($"row {sequence}: hash does not match its contents (edited?)", 0);
                        }
                    }

                    if (prevHash != previousHash || sequence != previous + 1)
                    {
                        return ($"row {sequence}: prev_hash does not match row {previous}'s hash (rows deleted, reordered or replaced?)", 0);
                    }

                    rowCount++;
                }

                previous = sequence;
                previousHash = hash;
                after = sequence;
            }

            if (links.Count < AuditVerifier.BatchSize)
            {
                break;
            }
        }

        return previous == head.Value.Sequence
            ? (null, rowCount)
            : ($"the log's head moved from row {head.Value.Sequence} while it was being checked", 0);
    }

    /// <summary>The rows <paramref name="sequences"/> with their contents, by sequence.</summary>
    private static async Task<Dictionary<long, AuditStoredRow>> ReadRowsAsync(RegistryTransaction transaction, List<long> sequences,
        CancellationToken cancellationToken)
    {
        var rows = new Dictionary<long, AuditStoredRow>(sequences.Count);
        await using var command = transaction.CreateCommand($"select {AuditRows.Columns} from audit_log where id = any(@ids)");
        command.Parameters.AddWithValue("ids", sequences.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = AuditRows.Read(reader);
            rows[row.Sequence] = row;
        }

        return rows;
    }

    private static async Task InsertAsync(RegistryTransaction transaction, AuditCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        await using var insert = transaction.CreateCommand("""
            insert into audit_checkpoints (number, version, sequence, head_hash, row_count, at, key_id, previous_checkpoint_hash, signature)
            values (@number, @version, @sequence, @head_hash, @row_count, @at, @key_id, @previous, @signature)
            """);
        insert.Parameters.AddWithValue("number", checkpoint.Number);
        insert.Parameters.AddWithValue("version", (short)checkpoint.Version);
        insert.Parameters.AddWithValue("sequence", checkpoint.Sequence);
        insert.Parameters.AddWithValue("head_hash", checkpoint.HeadHash);
        insert.Parameters.AddWithValue("row_count", checkpoint.RowCount);
        insert.Parameters.AddWithValue("at", checkpoint.At);
        insert.Parameters.AddWithValue("key_id", checkpoint.KeyId);
        insert.Parameters.AddWithValue("previous", (object?)checkpoint.PreviousCheckpointHash ?? DBNull.Value);
        insert.Parameters.AddWithValue("signature", checkpoint.Signature);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The most recently written checkpoint, read in the caller's transaction (verification's snapshot).</summary>
    public static async Task<AuditCheckpoint?> ReadLatestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(LatestSql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadCheckpoint(reader) : null;
    }

    /// <summary>
    /// Null when the checkpoint's signature verifies with its key's stored public half, the key id is that key's RFC 7638
    /// thumbprint, and the key is genuinely the registry's (its private half decrypts with this registry's key ring and
    /// matches — a key row someone inserted with a key pair of their own does not); otherwise the problem, in words.
    /// Keys are looked up once per <paramref name="cache"/>.
    /// </summary>
    public async Task<string?> CheckSignatureAsync(Func<string, NpgsqlCommand> createCommand, AuditCheckpoint checkpoint, SignatureCache cache,
        CancellationToken cancellationToken)
    {
        var name = $"checkpoint {checkpoint.Number} (row {checkpoint.Sequence})";
        if (!cache.Keys.TryGetValue(checkpoint.KeyId, out var entry))
        {
            entry = await LoadKeyAsync(createCommand, checkpoint.KeyId, cancellationToken);
            cache.Keys[checkpoint.KeyId] = entry;
        }

        if (entry.Problem is not null)
        {
            return $"{name}: {entry.Problem}";
        }

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(checkpoint.Signature);
        }
        catch (FormatException)
        {
            return $"{name} has a signature that is not base64url (checkpoint edited?)";
        }

        return entry.Key!.VerifyData(Encoding.UTF8.GetBytes(checkpoint.SignedText), signature, HashAlgorithmName.SHA256)
            ? null
            : $"{name} has an invalid signature (checkpoint edited or forged?)";
    }

    private async Task<(ECDsa? Key, string? Problem)> LoadKeyAsync(Func<string, NpgsqlCommand> createCommand, string keyId, CancellationToken cancellationToken)
    {
        byte[] publicKey;
        byte[] protectedPrivateKey;
        await using (var command = createCommand("select public_key, protected_private_key from signing_keys where kid = @kid"))
        {
            command.Parameters.AddWithValue("kid", keyId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return (null, $"names signing key {keyId}, which the registry does not have (checkpoint forged?)");
            }

            publicKey = reader.GetFieldValue<byte[]>(0);
            protectedPrivateKey = reader.GetFieldValue<byte[]>(1);
        }

        var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(publicKey, out _);
        var publicParameters = verifier.ExportParameters(includePrivateParameters: false);
        if (SigningKeyRing.Thumbprint(publicParameters) != keyId)
        {
            verifier.Dispose();
            return (null, $"signing key {keyId} is stored with a public key that is not its own (key replaced?)");
        }

        if (!IsGenuine(protectedPrivateKey, publicParameters))
        {
            verifier.Dispose();
            return (null, $"signing key {keyId} was not created by this registry: its private half does not decrypt with the key ring (key inserted by someone else, or Fabrix:Registry:KeyRingPath replaced?)");
        }

        return (verifier, null);
    }

    private bool IsGenuine(byte[] protectedPrivateKey, ECParameters expected)
    {
        byte[] pkcs8;
        try
        {
            pkcs8 = _signingKeyProtector.Unprotect(protectedPrivateKey);
        }
        catch (CryptographicException)
        {
            return false;
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            var actual = key.ExportParameters(includePrivateParameters: false);
            return actual.Q.X.AsSpan().SequenceEqual(expected.Q.X) && actual.Q.Y.AsSpan().SequenceEqual(expected.Q.Y);
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>The column list <see cref="ReadCheckpoint"/> reads, in this order.</summary>
    public const string Columns = "number, sequence, head_hash, row_count, at, key_id, previous_checkpoint_hash, version, signature";

    private const string LatestSql = $"select {Columns} from audit_checkpoints order by number desc limit 1";

    public static AuditCheckpoint ReadCheckpoint(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetInt64(1),
        reader.GetString(2),
        reader.GetInt64(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetInt16(7),
        reader.GetString(8));

    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Audit checkpoint {Number} signed and anchored: row {Sequence}, head {HeadHash}, {RowCount} rows, key {KeyId}")]
    private static partial void LogWritten(ILogger logger, long number, long sequence, string headHash, long rowCount, string keyId);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Critical, Message = "Audit chain tampering suspected: {Problem}. No checkpoint is signed until the chain is investigated (fabrix audit verify)")]
    private static partial void LogChainBroken(ILogger logger, string problem);

    [LoggerMessage(EventId = 1514, Level = LogLevel.Warning, Message = "Audit checkpoint {Number} was in the anchor stream but not in the database (its commit was lost); stored it from the anchor")]
    private static partial void LogRestored(ILogger logger, long number);
}

/// <summary>Signing keys looked up during one verification or checkpoint attempt (public key, or why it cannot be used).</summary>
internal sealed class SignatureCache : IDisposable
{
    public Dictionary<string, (ECDsa? Key, string? Problem)> Keys { get; } = new(StringComparer.Ordinal);

    public void Dispose()
    {
        foreach (var (key, _) in Keys.Values)
        {
            key?.Dispose();
        }
    }
}
