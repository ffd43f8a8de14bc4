using Fabrix.Core.Registry.BackgroundWork;
using Fabrix.Core.Registry.Health;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Tokens;
using Fabrix.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Fabrix.Core.Registry.Tests.Tokens;

/// <summary>Key rotation, publication and token lifetime on a fake clock: no test waits for real time to pass.</summary>
public sealed class SigningKeyRingTests(PostgresServer postgres) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly TokenOptions _options = new() { KeyRingPath = "unused" };
    private readonly List<string> _folders = [];
    private NpgsqlDataSource _dataSource = null!;
    private RegistryDatabase _database = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("keys"));
        await new MigrationRunner(_dataSource, _time, NullLogger<MigrationRunner>.Instance).RunAsync(Ct);
        _database = new RegistryDatabase(_dataSource, _time, NullLogger<RegistryDatabase>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task RotateIfDueAsync_ActiveKeyYoungerThanInterval_KeepsItAndRotatesOnceOlder()
    {
        var ring = NewRing(NewKeyRingFolder());

        var created = await ring.RotateIfDueAsync(Ct);
        _time.Advance(TimeSpan.FromHours(23));
        var early = await ring.RotateIfDueAsync(Ct);
        _time.Advance(TimeSpan.FromHours(1));
        var rotated = await ring.RotateIfDueAsync(Ct);

        Assert.NotNull(created);
        Assert.Null(created.RetiredKeyId);
        Assert.Null(early);
        Assert.NotNull(rotated);
        Assert.Equal(created.NewKeyId, rotated.RetiredKeyId);
        Assert.NotEqual(created.NewKeyId, rotated.NewKeyId);
        Assert.Equal(2L, await ScalarAsync<long>("select count(*) from audit_log where action = 'signing_key.rotate' and actor = 'system'"));
    }

    [Fact]
    public async Task GetPublishedAsync_RetiredKey_StaysPublishedUntilItsLastTokenExpires()
    {
        var ring = NewRing(NewKeyRingFolder());
        var first = (await ring.RotateIfDueAsync(Ct))!.NewKeyId;
        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(5));
        var token = await IssueAsync(ring, "late-token");
        _time.Advance(TimeSpan.FromMinutes(5));
        var second = (await ring.RotateIfDueAsync(Ct))!.NewKeyId;

        var afterRotation = await ring.GetPublishedAsync(Ct);
        _time.Advance(token.ExpiresAt - _time.GetUtcNow() + _options.ClockSkew - TimeSpan.FromSeconds(1));
        var justBeforeExpiry = await ring.GetPublishedAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(2));
        var afterExpiry = await ring.GetPublishedAsync(Ct);

        Assert.Equal(first, token.KeyId);
        Assert.Equal([second, first], afterRotation.Select(k => k.KeyId));
        Assert.Equal([second, first], justBeforeExpiry.Select(k => k.KeyId));
        Assert.Equal([second], afterExpiry.Select(k => k.KeyId));
    }

    [Fact]
    public async Task IssueAsync_DefaultLifetime_TokenValidForFifteenMinutesPlusSkewOnly()
    {
        var ring = NewRing(NewKeyRingFolder());
        var validator = new PluginTokenValidator(ring, _time, Options.Create(_options));
        var token = await IssueAsync(ring, "lifetime");

        var fresh = await validator.ValidateAsync($"Bearer {token.Token}", Ct);
        _time.Advance(TimeSpan.FromMinutes(15) + _options.ClockSkew - TimeSpan.FromSeconds(1));
        var withinSkew = await validator.ValidateAsync($"Bearer {token.Token}", Ct);
        _time.Advance(TimeSpan.FromSeconds(2));
        var expired = await validator.ValidateAsync($"Bearer {token.Token}", Ct);

        Assert.Equal(TimeSpan.FromMinutes(15), token.ExpiresAt - token.IssuedAt);
        Assert.Equal("lifetime", fresh.Identity?.PluginId);
        Assert.NotNull(withinSkew.Identity);
        Assert.Null(expired.Identity);
        Assert.Contains("expired", expired.Failure, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync<long>("select count(*) from plugin_tokens where plugin_id = 'lifetime'"));
    }

    [Fact]
    public async Task IssueAsync_ConfiguredLifetime_IsHonoured()
    {
        _options.TokenLifetime = TimeSpan.FromMinutes(5);
        var ring = NewRing(NewKeyRingFolder());

        var token = await IssueAsync(ring, "short");

        Assert.Equal(TimeSpan.FromMinutes(5), token.ExpiresAt - token.IssuedAt);
    }

    [Fact]
    public async Task SigningKeys_PrivateKey_IsStoredEncryptedNotAsPkcs8()
    {
        var ring = NewRing(NewKeyRingFolder());
        await ring.RotateIfDueAsync(Ct);

        var stored = await ScalarAsync<byte[]>("select protected_private_key from signing_keys");

        Assert.Throws<System.Security.Cryptography.CryptographicException>(() =>
            System.Security.Cryptography.ECDsa.Create().ImportPkcs8PrivateKey(stored, out _));
    }

    [Fact]
    public async Task GetActiveAsync_KeyRingLost_ReplacesTheUndecryptableKeyAndKeepsOldTokensVerifiable()
    {
        var original = NewRing(NewKeyRingFolder());
        var oldToken = await IssueAsync(original, "survivor");

        var afterLoss = NewRing(NewKeyRingFolder());
        var newToken = await IssueAsync(afterLoss, "survivor");
        var validation = await new PluginTokenValidator(afterLoss, _time, Options.Create(_options)).ValidateAsync($"Bearer {oldToken.Token}", Ct);

        Assert.NotEqual(oldToken.KeyId, newToken.KeyId);
        Assert.NotNull(validation.Identity);
        Assert.Equal([newToken.KeyId, oldToken.KeyId], (await afterLoss.GetPublishedAsync(Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task FindPublicKeyAsync_UnknownKidsWithinInterval_DatabaseReadAtMostOncePerInterval()
    {
        var folder = NewKeyRingFolder();
        var ring = NewRing(folder);
        var otherReplica = NewRing(folder);

        var madeUp = await ring.FindPublicKeyAsync("made-up-kid", Ct);
        var rotated = (await otherReplica.RotateIfDueAsync(Ct))!.NewKeyId;
        var withinInterval = await ring.FindPublicKeyAsync(rotated, Ct);
        _time.Advance(SigningKeyRing.UnknownKeyRefreshInterval - TimeSpan.FromMilliseconds(1));
        var justBefore = await ring.FindPublicKeyAsync(rotated, Ct);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var afterInterval = await ring.FindPublicKeyAsync(rotated, Ct);

        // The key exists in the database from the second lookup on: only a reload could have found it.
        Assert.Null(madeUp);
        Assert.Null(withinInterval);
        Assert.Null(justBefore);
        Assert.Equal(rotated, afterInterval?.KeyId);
    }

    [Fact]
    public async Task FindPublicKeyAsync_KeyThisInstanceRotatedIn_FoundWithoutAReload()
    {
        var ring = NewRing(NewKeyRingFolder());
        Assert.Null(await ring.FindPublicKeyAsync("made-up-kid", Ct));

        var rotated = (await ring.RotateIfDueAsync(Ct))!.NewKeyId;
        var found = await ring.FindPublicKeyAsync(rotated, Ct);

        Assert.Equal(rotated, found?.KeyId);
    }

    [Fact]
    public async Task ValidateAsync_TokenSignedByAnotherReplicasNewKey_AcceptedOnceTheIntervalAllowsAReload()
    {
        var folder = NewKeyRingFolder();
        var ring = NewRing(folder);
        var validator = new PluginTokenValidator(ring, _time, Options.Create(_options));
        Assert.Null(await ring.FindPublicKeyAsync("made-up-kid", Ct));
        var token = await IssueAsync(NewRing(folder), "other-replica");

        var tooSoon = await validator.ValidateAsync($"Bearer {token.Token}", Ct);
        _time.Advance(SigningKeyRing.UnknownKeyRefreshInterval);
        var later = await validator.ValidateAsync($"Bearer {token.Token}", Ct);

        Assert.Null(tooSoon.Identity);
        Assert.Equal("other-replica", later.Identity?.PluginId);
    }

    [Fact]
    public async Task GetPublishedCachedAsync_AnotherReplicaRotates_ServedFromMemoryUntilMaxAgePasses()
    {
        var folder = NewKeyRingFolder();
        var ring = NewRing(folder);
        var first = (await ring.RotateIfDueAsync(Ct))!.NewKeyId;
        _time.Advance(_options.KeyRotationInterval);
        await ring.GetPublishedCachedAsync(Ct);

        var second = (await NewRing(folder).RotateIfDueAsync(Ct))!.NewKeyId;
        var cached = await ring.GetPublishedCachedAsync(Ct);
        _time.Advance(SigningKeyRing.PublishedKeysMaxAge);
        var reread = await ring.GetPublishedCachedAsync(Ct);

        // The second key is in the database from the second read on: only a database read could show it (the first, retired
        // with no token outstanding, leaves the document).
        Assert.Equal([first], cached.Select(k => k.KeyId));
        Assert.Equal([second], reread.Select(k => k.KeyId));
    }

    [Fact]
    public async Task GetPublishedCachedAsync_ThisInstanceRotates_ServesTheNewSetAtOnce()
    {
        _options.KeyRotationInterval = TimeSpan.FromSeconds(1);
        var ring = NewRing(NewKeyRingFolder());
        var first = (await ring.RotateIfDueAsync(Ct))!.NewKeyId;
        await ring.GetPublishedCachedAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(1));

        var second = (await ring.RotateIfDueAsync(Ct))!.NewKeyId;
        var published = await ring.GetPublishedCachedAsync(Ct);

        Assert.NotEqual(first, second);
        Assert.Equal([second], published.Select(k => k.KeyId));
    }

    [Fact]
    public async Task KeyRotationService_FakeClockPassesInterval_RotatesWithoutWaiting()
    {
        _options.KeyRotationCheckPeriod = TimeSpan.FromMinutes(1);
        var ring = NewRing(NewKeyRingFolder());
        var health = new BackgroundWorkHealth(_time);
        using var service = new KeyRotationService(ring, _time, Options.Create(_options), health, NullLogger<KeyRotationService>.Instance);

        await service.StartAsync(Ct);
        await WaitUntilAsync(async () => await ScalarAsync<long>("select count(*) from signing_keys") == 1, () => { });
        _time.Advance(TimeSpan.FromHours(23));
        await WaitUntilAsync(async () => await ScalarAsync<long>("select count(*) from signing_keys") == 2, () => _time.Advance(TimeSpan.FromMinutes(1)));
        await service.StopAsync(Ct);

        Assert.Equal(1L, await ScalarAsync<long>("select count(*) from signing_keys where retired_at is null"));
        Assert.True(_time.GetUtcNow() - new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero) >= TimeSpan.FromHours(24));
    }

    private SigningKeyRing NewRing(string keyRingFolder) => new(
        _database,
        DataProtectionProvider.Create(new DirectoryInfo(keyRingFolder), builder => builder.SetApplicationName("fabrix-core-registry")),
        Options.Create(_options),
        _time,
        NullLogger<SigningKeyRing>.Instance);

    private async Task<IssuedToken> IssueAsync(SigningKeyRing ring, string pluginId)
    {
        var issuer = new PluginTokenIssuer(ring, Options.Create(_options));
        var plugin = new PluginRecord(pluginId, PluginState.Active, 1, pluginId, "1.0.0", string.Empty, ["IdentityPlugin"], ["handles_pii"], [],
            "{}", new string('a', 64), false, "http://127.0.0.1:1", _time.GetUtcNow(), null, null, null, _time.GetUtcNow(), HealthState.Unknown);
        await using var transaction = await _database.BeginAsync(Ct);
        var token = await issuer.IssueAsync(transaction, plugin, Ct);
        await transaction.CommitAsync(Ct);
        return token;
    }

    private string NewKeyRingFolder()
    {
        var folder = Directory.CreateTempSubdirectory("fabrix-keyring-").FullName;
        _folders.Add(folder);
        return folder;
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    /// <summary>Polls a condition the background service makes true; <paramref name="nudge"/> moves the fake clock on.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Action nudge)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await condition())
            {
                return;
            }

            nudge();
            await Task.Delay(25, Ct);
        }

        Assert.Fail("The background service did not get there.");
    }
}
