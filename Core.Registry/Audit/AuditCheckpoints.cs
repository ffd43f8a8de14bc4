using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Tokens;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// A signed statement "the chain had <see cref="RowCount"/> rows up to row <see cref="Sequence"/>, whose hash was
/// <see cref="HeadHash"/>", signed ES256 with the registry's signing key <see cref="KeyId"/> (published in the JWKS).
/// Deleting rows from the tail leaves a checkpoint that names a row or hash the log no longer has.
/// </summary>
internal sealed record AuditCheckpoint(long Sequence, string HeadHash, long RowCount, DateTimeOffset At, string KeyId, string Signature)
{
    public const string Version = "fabrix.audit.checkpoint.v1";

    /// <summary>
    /// What the signature covers (UTF-8): <c>fabrix.audit.checkpoint.v1|sequence|head_hash|row_count|at|key_id</c>, with
    /// <c>at</c> as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>. The signature is base64url of the 64-byte r‖s ECDSA P-256
    /// SHA-256 signature, as in JWS ES256.
    /// </summary>
    public string SignedText => string.Join('|',
        Version,
        Sequence.ToString(CultureInfo.InvariantCulture),
        HeadHash,
        RowCount.ToString(CultureInfo.InvariantCulture),
        AuditChain.FormatTime(At),
        KeyId);
}

/// <summary>What one checkpoint attempt did.</summary>
internal enum CheckpointOutcome
{
    /// <summary>A new checkpoint was signed and stored.</summary>
    Written,

    /// <summary>Neither the head nor the signing key moved since the last checkpoint.</summary>
    Unchanged,

    /// <summary>The log has no rows yet.</summary>
    EmptyLog,

    /// <summary>The row the last checkpoint names is gone or changed: no checkpoint is written over a broken chain.</summary>
    ChainBroken,
}

internal sealed record CheckpointAttempt(CheckpointOutcome Outcome, AuditCheckpoint? Checkpoint, string? Problem);

/// <summary>
/// Writes and checks signed checkpoints (<c>audit_checkpoints</c>, append-only). A checkpoint is written only when the
/// head moved or the active signing key changed (so the latest checkpoint is always verifiable with the current JWKS),
/// and never over a chain that no longer contains the previous checkpoint's row and hash: a truncated tail must not be
/// blessed by a fresh checkpoint before anyone verifies.
/// </summary>
internal sealed partial class AuditCheckpoints(
    RegistryDatabase database,
    SigningKeyRing keyRing,
    IDataProtectionProvider dataProtection,
    TimeProvider timeProvider,
    ILogger<AuditCheckpoints> logger)
{
    private const string LockKey = "fabrix.registry.audit-checkpoints";

    /// <summary>Data Protection purpose of the signing keys' private halves (SigningKeyRing; README "Keys at rest").</summary>
    private const string SigningKeyPurpose = "Fabrix.Core.Registry.SigningKeys.v1";

    private readonly IDataProtector _signingKeyProtector = dataProtection.CreateProtector(SigningKeyPurpose);

    public async Task<CheckpointAttempt> WriteIfMovedAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);

        // One writer at a time across instances; the key is fetched first because creating one appends an audit row.
        await transaction.LockAsync(LockKey, cancellationToken);
        var key = await keyRing.GetActiveAsync(transaction, cancellationToken);

        (long Sequence, string Hash)? head;
        await using (var command = transaction.CreateCommand("select id, hash from audit_log order by id desc limit 1"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            head = await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
        }

        if (head is null)
        {
            await transaction.CommitAsync(cancellationToken);
            return new CheckpointAttempt(CheckpointOutcome.EmptyLog, null, null);
        }

        AuditCheckpoint? latest;
        await using (var command = transaction.CreateCommand(LatestSql))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            latest = await reader.ReadAsync(cancellationToken) ? ReadCheckpoint(reader) : null;
        }

        if (latest is not null)
        {
            if (latest.Sequence == head.Value.Sequence && latest.HeadHash == head.Value.Hash && latest.KeyId == key.KeyId)
            {
                await transaction.CommitAsync(cancellationToken);
                return new CheckpointAttempt(CheckpointOutcome.Unchanged, latest, null);
            }

            await using var command = transaction.CreateCommand("select hash from audit_log where id = @id");
            command.Parameters.AddWithValue("id", latest.Sequence);
            var stored = await command.ExecuteScalarAsync(cancellationToken) as string;
            if (stored != latest.HeadHash)
            {
                var problem = stored is null
                    ? $"row {latest.Sequence}, named by the last signed checkpoint, is missing (the log ends at row {head.Value.Sequence})"
                    : $"row {latest.Sequence} no longer has the hash the last signed checkpoint recorded";
                LogChainBroken(logger, problem);
                return new CheckpointAttempt(CheckpointOutcome.ChainBroken, latest, problem);
            }
        }

        long rowCount;
        await using (var command = transaction.CreateCommand("select count(*) from audit_log where id > @after and id <= @head"))
        {
            command.Parameters.AddWithValue("after", latest?.Sequence ?? long.MinValue);
            command.Parameters.AddWithValue("head", head.Value.Sequence);
            rowCount = (latest?.RowCount ?? 0) + (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        // Signed after the head was read, so every row it covers was committed before this instant.
        var at = RegistryDatabase.PostgresPrecision(timeProvider.GetUtcNow());
        var unsigned = new AuditCheckpoint(head.Value.Sequence, head.Value.Hash, rowCount, at, key.KeyId, string.Empty);
        var signature = Base64Url.EncodeToString(key.PrivateKey.ECDsa.SignData(Encoding.UTF8.GetBytes(unsigned.SignedText), HashAlgorithmName.SHA256));
        var checkpoint = unsigned with { Signature = signature };
        await using (var insert = transaction.CreateCommand("""
            insert into audit_checkpoints (sequence, head_hash, row_count, at, key_id, signature)
            values (@sequence, @head_hash, @row_count, @at, @key_id, @signature)
            """))
        {
            insert.Parameters.AddWithValue("sequence", checkpoint.Sequence);
            insert.Parameters.AddWithValue("head_hash", checkpoint.HeadHash);
            insert.Parameters.AddWithValue("row_count", checkpoint.RowCount);
            insert.Parameters.AddWithValue("at", checkpoint.At);
            insert.Parameters.AddWithValue("key_id", checkpoint.KeyId);
            insert.Parameters.AddWithValue("signature", checkpoint.Signature);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        // Shipped logs keep a copy of every checkpoint outside the database: an anchor even against someone who can
        // delete checkpoints too.
        LogWritten(logger, checkpoint.Sequence, checkpoint.HeadHash, checkpoint.RowCount, checkpoint.KeyId);
        return new CheckpointAttempt(CheckpointOutcome.Written, checkpoint, null);
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
    /// </summary>
    public async Task<string?> CheckSignatureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditCheckpoint checkpoint,
        CancellationToken cancellationToken)
    {
        byte[] publicKey;
        byte[] protectedPrivateKey;
        await using (var command = new NpgsqlCommand("select public_key, protected_private_key from signing_keys where kid = @kid", connection, transaction))
        {
            command.Parameters.AddWithValue("kid", checkpoint.KeyId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return $"the latest checkpoint (row {checkpoint.Sequence}) names signing key {checkpoint.KeyId}, which the registry does not have (checkpoint forged?)";
            }

            publicKey = reader.GetFieldValue<byte[]>(0);
            protectedPrivateKey = reader.GetFieldValue<byte[]>(1);
        }

        using var verifier = ECDsa.Create();
        verifier.ImportSubjectPublicKeyInfo(publicKey, out _);
        var publicParameters = verifier.ExportParameters(includePrivateParameters: false);
        if (SigningKeyRing.Thumbprint(publicParameters) != checkpoint.KeyId)
        {
            return $"signing key {checkpoint.KeyId} is stored with a public key that is not its own (key replaced?)";
        }

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(checkpoint.Signature);
        }
        catch (FormatException)
        {
            return $"the latest checkpoint (row {checkpoint.Sequence}) has a signature that is not base64url (checkpoint edited?)";
        }

        if (!verifier.VerifyData(Encoding.UTF8.GetBytes(checkpoint.SignedText), signature, HashAlgorithmName.SHA256))
        {
            return $"the latest checkpoint (row {checkpoint.Sequence}) has an invalid signature (checkpoint edited or forged?)";
        }

        return IsGenuine(protectedPrivateKey, publicParameters)
            ? null
            : $"signing key {checkpoint.KeyId} of the latest checkpoint was not created by this registry: its private half does not decrypt with the key ring (key inserted by someone else, or Fabrix:Registry:KeyRingPath replaced?)";
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

    private const string LatestSql = """
        select sequence, head_hash, row_count, at, key_id, signature from audit_checkpoints order by id desc limit 1
        """;

    private static AuditCheckpoint ReadCheckpoint(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.GetString(4),
        reader.GetString(5));

    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Audit checkpoint signed: row {Sequence}, head {HeadHash}, {RowCount} rows, key {KeyId}")]
    private static partial void LogWritten(ILogger logger, long sequence, string headHash, long rowCount, string keyId);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Critical, Message = "Audit chain tampering suspected: {Problem}. No checkpoint is written until the chain is investigated (fabrix audit verify)")]
    private static partial void LogChainBroken(ILogger logger, string problem);
}
