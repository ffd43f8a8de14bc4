using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.Tokens;

/// <summary>The key that signs new tokens.</summary>
internal sealed record SigningKey(string KeyId, DateTimeOffset CreatedAt, ECDsaSecurityKey PrivateKey);

/// <summary>A key whose public half is in the JWKS document.</summary>
internal sealed record PublishedKey(string KeyId, string X, string Y, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);

/// <summary>The published keys as read at <paramref name="ReadAt"/> (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed record PublishedKeys(IReadOnlyList<PublishedKey> Keys, long ReadAt);

/// <summary>Outcome of a rotation.</summary>
internal sealed record KeyRotation(string? RetiredKeyId, string NewKeyId);

/// <summary>
/// ES256 signing keys in the <c>signing_keys</c> table. Private keys are encrypted at rest with ASP.NET Core Data
/// Protection (key ring folder <c>Fabrix:Registry:KeyRingPath</c>); public keys are stored in clear. Exactly one key is
/// active; rotation retires it and creates the next under an advisory lock, so instances never race. A retired key
/// stays published while any token it signed is unexpired (plus <see cref="TokenOptions.ClockSkew"/>). Key ids are
/// RFC 7638 JWK thumbprints.
/// <para>
/// Token validation reads public keys from an immutable in-memory set that is swapped whole, never from the database
/// per request (issue 9 section 7): a key this instance creates joins the set at once; an unknown <c>kid</c> reloads
/// the set from <c>signing_keys</c>, but at most once per <see cref="UnknownKeyRefreshInterval"/> on the injected clock,
/// and concurrent lookups share that one reload. So an unauthenticated caller sending made-up key ids costs the database
/// one query per interval, and a key another instance rotated in is known here within that interval of its first use.
/// </para>
/// </summary>
internal sealed partial class SigningKeyRing(
    RegistryDatabase database,
    IDataProtectionProvider dataProtection,
    IOptions<TokenOptions> options,
    TimeProvider timeProvider,
    ILogger<SigningKeyRing> logger)
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    /// <summary>Least time between two reloads of the public keys caused by unknown key ids ("at most every few seconds", issue 9 section 7).</summary>
    public static readonly TimeSpan UnknownKeyRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long the JWKS endpoint serves the published keys it read (a key another instance rotated in shows within this).</summary>
    public static readonly TimeSpan PublishedKeysMaxAge = TimeSpan.FromSeconds(5);

    private const string LockKey = "fabrix.registry.signing-keys";
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Fabrix.Core.Registry.SigningKeys.v1");
    private readonly ConcurrentDictionary<string, ECDsaSecurityKey> _privateKeys = new(StringComparer.Ordinal);
    private readonly Lock _publicKeysGate = new();
    private volatile FrozenDictionary<string, ECDsaSecurityKey> _publicKeys = FrozenDictionary<string, ECDsaSecurityKey>.Empty;
    private Task? _publicKeysReload;
    private long? _lastPublicKeysReload;
    private volatile PublishedKeys? _published;
    private Task<IReadOnlyList<PublishedKey>>? _publishedRead;

    /// <summary>The active key, created when there is none (first start) or when its private half cannot be decrypted.</summary>
    public async Task<SigningKey> GetActiveAsync(RegistryTransaction transaction, CancellationToken cancellationToken)
    {
        var active = await ReadActiveAsync(transaction, cancellationToken);
        if (active is not null && TryUnprotect(active.Value.KeyId, active.Value.ProtectedKey) is { } key)
        {
            return new SigningKey(active.Value.KeyId, active.Value.CreatedAt, key);
        }

        await transaction.LockAsync(LockKey, cancellationToken);
        active = await ReadActiveAsync(transaction, cancellationToken);
        if (active is not null && TryUnprotect(active.Value.KeyId, active.Value.ProtectedKey) is { } lockedKey)
        {
            return new SigningKey(active.Value.KeyId, active.Value.CreatedAt, lockedKey);
        }

        var created = await ReplaceActiveAsync(transaction, active?.KeyId, Caller.System(),
            active is null ? "no active signing key" : "the active signing key cannot be decrypted with the key ring", cancellationToken);
        return created;
    }

    /// <summary>Rotates when the active key is older than <see cref="TokenOptions.KeyRotationInterval"/> (or missing).</summary>
    public async Task<KeyRotation?> RotateIfDueAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);
        await transaction.LockAsync(LockKey, cancellationToken);
        var active = await ReadActiveAsync(transaction, cancellationToken);
        if (active is not null && transaction.Now - active.Value.CreatedAt < options.Value.KeyRotationInterval)
        {
            return null;
        }

        var created = await ReplaceActiveAsync(transaction, active?.KeyId, Caller.System(),
            active is null ? "no active signing key" : $"the active key is older than {options.Value.KeyRotationInterval}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // Committed: the next JWKS request reads the new set instead of serving the cached one.
        _published = null;
        LogRotated(logger, active?.KeyId ?? "(none)", created.KeyId);
        return new KeyRotation(active?.KeyId, created.KeyId);
    }

    /// <summary>
    /// <see cref="GetPublishedAsync"/> as the JWKS endpoint serves it: read from the database at most once per
    /// <see cref="PublishedKeysMaxAge"/> (concurrent requests share one read), and at once after this instance rotated.
    /// An unauthenticated caller cannot make the registry query PostgreSQL per request (issue 9 section 7).
    /// </summary>
    public async Task<IReadOnlyList<PublishedKey>> GetPublishedCachedAsync(CancellationToken cancellationToken)
    {
        if (_published is { } current && timeProvider.GetElapsedTime(current.ReadAt) < PublishedKeysMaxAge)
        {
            return current.Keys;
        }

        Task<IReadOnlyList<PublishedKey>> read;
        lock (_publicKeysGate)
        {
            if (_publishedRead is null || _publishedRead.IsCompleted)
            {
                _publishedRead = ReadPublishedAsync();
            }

            read = _publishedRead;
        }

        return await read.WaitAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<PublishedKey>> ReadPublishedAsync()
    {
        var readAt = timeProvider.GetTimestamp();
        var keys = await GetPublishedAsync(CancellationToken.None);

        // Before the first key exists (a request racing start-up) nothing is kept: the next request reads again.
        _published = keys.Count == 0 ? null : new PublishedKeys(keys, readAt);
        return keys;
    }

    /// <summary>Keys for the JWKS document: the active one and every retired one with an unexpired token.</summary>
    public async Task<IReadOnlyList<PublishedKey>> GetPublishedAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);
        await using var command = transaction.CreateCommand("""
            select k.kid, k.public_key, k.created_at, k.retired_at
            from signing_keys k
            where k.retired_at is null
               or exists (select 1 from plugin_tokens t where t.kid = k.kid and t.expires_at > @cutoff)
            order by k.retired_at is null desc, k.created_at desc, k.kid
            """);
        command.Parameters.AddWithValue("cutoff", transaction.Now - options.Value.ClockSkew);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<PublishedKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(reader.GetFieldValue<byte[]>(1), out _);
            var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
            keys.Add(new PublishedKey(
                reader.GetString(0),
                Base64Url.EncodeToString(parameters.Q.X),
                Base64Url.EncodeToString(parameters.Q.Y),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return keys;
    }

    /// <summary>
    /// Public key of any key the registry ever created (validation checks the token's own expiry), from the in-memory
    /// set; an unknown id reloads the set from the database at most once per <see cref="UnknownKeyRefreshInterval"/>.
    /// </summary>
    public async Task<ECDsaSecurityKey?> FindPublicKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var seen = _publicKeys;
        if (seen.TryGetValue(keyId, out var cached))
        {
            return cached;
        }

        Task reload;
        lock (_publicKeysGate)
        {
            if (!ReferenceEquals(_publicKeys, seen) && _publicKeys.TryGetValue(keyId, out var swapped))
            {
                return swapped;
            }

            // A reload that completed synchronously was stored after it finished: completed means none running.
            if (_publicKeysReload is null || _publicKeysReload.IsCompleted)
            {
                var now = timeProvider.GetTimestamp();
                if (_lastPublicKeysReload is { } last && timeProvider.GetElapsedTime(last, now) < UnknownKeyRefreshInterval)
                {
                    return null;
                }

                _lastPublicKeysReload = now;
                _publicKeysReload = ReloadPublicKeysAsync();
            }

            reload = _publicKeysReload;
        }

        await reload.WaitAsync(cancellationToken);
        return _publicKeys.GetValueOrDefault(keyId);
    }

    /// <summary>Reads every key's public half and swaps in the union with the keys already held. Not tied to one caller's cancellation.</summary>
    private async Task ReloadPublicKeysAsync()
    {
        var loaded = new Dictionary<string, ECDsaSecurityKey>(StringComparer.Ordinal);
        await using (var transaction = await database.BeginAsync(CancellationToken.None))
        await using (var command = transaction.CreateCommand("select kid, public_key from signing_keys"))
        await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
        {
            while (await reader.ReadAsync(CancellationToken.None))
            {
                var keyId = reader.GetString(0);
                var ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(reader.GetFieldValue<byte[]>(1), out _);
                loaded[keyId] = new ECDsaSecurityKey(ecdsa) { KeyId = keyId };
            }
        }

        AddPublicKeys(loaded);
    }

    /// <summary>Swaps in a new set: the current one plus <paramref name="keys"/> (a key already held keeps its instance).</summary>
    private void AddPublicKeys(IReadOnlyDictionary<string, ECDsaSecurityKey> keys)
    {
        lock (_publicKeysGate)
        {
            var merged = new Dictionary<string, ECDsaSecurityKey>(keys, StringComparer.Ordinal);
            foreach (var (keyId, key) in _publicKeys)
            {
                merged[keyId] = key;
            }

            _publicKeys = merged.ToFrozenDictionary(StringComparer.Ordinal);
        }
    }

    private async Task<SigningKey> ReplaceActiveAsync(RegistryTransaction transaction, string? retiringKeyId, Caller caller, string reason, CancellationToken cancellationToken)
    {
        if (retiringKeyId is not null)
        {
            await using var retire = transaction.CreateCommand("update signing_keys set retired_at = @now where kid = @kid");
            retire.Parameters.AddWithValue("now", transaction.Now);
            retire.Parameters.AddWithValue("kid", retiringKeyId);
            await retire.ExecuteNonQueryAsync(cancellationToken);
        }

        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyId = Thumbprint(ecdsa.ExportParameters(includePrivateParameters: false));
        var pkcs8 = ecdsa.ExportPkcs8PrivateKey();
        byte[] protectedKey;
        try
        {
            protectedKey = _protector.Protect(pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        await using (var insert = transaction.CreateCommand("""
            insert into signing_keys (kid, algorithm, public_key, protected_private_key, created_at, retired_at)
            values (@kid, @algorithm, @public_key, @protected_key, @now, null)
            """))
        {
            insert.Parameters.AddWithValue("kid", keyId);
            insert.Parameters.AddWithValue("algorithm", Algorithm);
            insert.Parameters.AddWithValue("public_key", ecdsa.ExportSubjectPublicKeyInfo());
            insert.Parameters.AddWithValue("protected_key", protectedKey);
            insert.Parameters.AddWithValue("now", transaction.Now);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await AuditLog.SucceededAsync(transaction, caller, AuditActions.RotateSigningKey, $"signing_key:{keyId}", reason,
            new JsonObject { ["kid"] = keyId, ["retired_kid"] = retiringKeyId }, cancellationToken);

        var key = new ECDsaSecurityKey(ecdsa) { KeyId = keyId };
        _privateKeys[keyId] = key;

        // Whatever the JWKS endpoint cached predates this key.
        _published = null;

        // Its tokens validate here at once, without a reload. Should this transaction roll back, the key signed nothing
        // anyone holds, so knowing its public half is harmless.
        var publicKey = ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false));
        AddPublicKeys(new Dictionary<string, ECDsaSecurityKey>(StringComparer.Ordinal) { [keyId] = new ECDsaSecurityKey(publicKey) { KeyId = keyId } });
        return new SigningKey(keyId, transaction.Now, key);
    }

    private static async Task<(string KeyId, DateTimeOffset CreatedAt, byte[] ProtectedKey)?> ReadActiveAsync(RegistryTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("select kid, created_at, protected_private_key from signing_keys where retired_at is null");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<byte[]>(2))
            : null;
    }

    private ECDsaSecurityKey? TryUnprotect(string keyId, byte[] protectedKey)
    {
        if (_privateKeys.TryGetValue(keyId, out var cached))
        {
            return cached;
        }

        byte[] pkcs8;
        try
        {
            pkcs8 = _protector.Unprotect(protectedKey);
        }
        catch (CryptographicException exception)
        {
            LogUndecryptable(logger, exception, keyId);
            return null;
        }

        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return _privateKeys.GetOrAdd(keyId, new ECDsaSecurityKey(ecdsa) { KeyId = keyId });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url.</summary>
    internal static string Thumbprint(ECParameters parameters)
    {
        var json = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64Url.EncodeToString(parameters.Q.X)}}","y":"{{Base64Url.EncodeToString(parameters.Q.Y)}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Rotated the plugin token signing key: {RetiredKeyId} -> {NewKeyId}")]
    private static partial void LogRotated(ILogger logger, string retiredKeyId, string newKeyId);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Signing key {KeyId} cannot be decrypted with the Data Protection key ring (was Fabrix:Registry:KeyRingPath changed or lost?); a new key replaces it")]
    private static partial void LogUndecryptable(ILogger logger, Exception exception, string keyId);
}
