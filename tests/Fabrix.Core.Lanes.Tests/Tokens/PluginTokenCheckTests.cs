using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Lanes.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Fabrix.Core.Lanes.Tests.Tokens;

/// <summary>The plugin-token check against a JWKS served over HTTP and an in-memory policy snapshot, on a fake clock.</summary>
public sealed class PluginTokenCheckTests : IDisposable
{
    private const string PluginId = "user-management";
    private static readonly string Digest = new('a', 64);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly TestSigningKey _key = new();
    private readonly JwksServer _jwks;
    private readonly InMemoryTokenPolicy _policy = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MetricCollector<long> _checks;
    private readonly PluginTokenOptions _options = new() { JwksAddress = JwksServer.Address.ToString() };
    private readonly List<PluginTokenCheck> _created = [];

    public PluginTokenCheckTests()
    {
        _jwks = new JwksServer(_key);
        _policy.Set(PluginId, Digest);
        _checks = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), PluginTokenMetrics.MeterName, PluginTokenMetrics.ChecksName);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var check in _created)
        {
            check.Dispose();
        }

        _checks.Dispose();
        _services.Dispose();
        _jwks.Dispose();
    }

    [Fact]
    public async Task CheckAsync_RegistryIssuedTokenOfActivePlugin_ReturnsCallerFromThePolicySnapshot()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());

        var result = await check.CheckAsync(token, Ct);

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(PluginId, result.Caller.PluginId);
        Assert.Equal(["handles_pii", "audit_required"], result.Caller.Traits);
        Assert.Equal(["pii", "internal"], result.Caller.DataClassifications);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(15), result.Caller.ExpiresAt);
    }

    [Fact]
    public async Task CheckAuthorizationAsync_BearerValueInAnyCaseWithPadding_SameCallerAsTheToken_CachedAfterwards()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());

        var first = await check.CheckAuthorizationAsync($"bEaReR   {token}  ", Ct);
        var second = await check.CheckAuthorizationAsync($"Bearer {token}", Ct);
        var byToken = await check.CheckAsync(token, Ct);

        Assert.True(first.IsAccepted, first.ToString());
        Assert.Equal(PluginId, first.Caller.PluginId);
        Assert.Same(first.Caller, second.Caller);
        Assert.Same(first.Caller, byToken.Caller);
        Assert.Equal(2, Count("cached"));
        Assert.Equal(1, check.CachedCount);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer    ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task CheckAuthorizationAsync_NoBearerToken_Missing(string? authorization)
    {
        var check = NewCheck();

        var result = await check.CheckAuthorizationAsync(authorization, Ct);

        Assert.False(result.IsAccepted);
        Assert.Equal(PluginTokenRefusalCode.Missing, result.Refusal.Code);
    }

    public static TheoryData<string, PluginTokenRefusalCode> RefusedTokens => new()
    {
        { "null", PluginTokenRefusalCode.Missing },
        { "empty", PluginTokenRefusalCode.Missing },
        { "not a jwt", PluginTokenRefusalCode.Malformed },
        { "too long", PluginTokenRefusalCode.Malformed },
        { "not ascii", PluginTokenRefusalCode.Malformed },
        { "encrypted (five parts)", PluginTokenRefusalCode.Malformed },
        { "no manifest digest", PluginTokenRefusalCode.Malformed },
        { "no subject", PluginTokenRefusalCode.Malformed },
        { "alg none", PluginTokenRefusalCode.WrongAlgorithm },
        { "HS256 signed with the public key", PluginTokenRefusalCode.WrongAlgorithm },
        { "ES384 header", PluginTokenRefusalCode.WrongAlgorithm },
        { "no kid", PluginTokenRefusalCode.UnknownKey },
        { "unknown kid", PluginTokenRefusalCode.UnknownKey },
        { "signed by another key under the registry's kid", PluginTokenRefusalCode.BadSignature },
        { "payload changed after signing", PluginTokenRefusalCode.BadSignature },
        { "expired beyond the clock skew", PluginTokenRefusalCode.Expired },
        { "not valid for another two minutes", PluginTokenRefusalCode.NotYetValid },
        { "wrong issuer", PluginTokenRefusalCode.WrongIssuer },
        { "wrong audience", PluginTokenRefusalCode.WrongAudience },
        { "unknown plugin", PluginTokenRefusalCode.UnknownPlugin },
        { "digest of another manifest", PluginTokenRefusalCode.DigestNotPinned },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task CheckAsync_BadToken_RefusedWithItsCode(string tokenCase, PluginTokenRefusalCode expected)
    {
        var check = NewCheck();
        var token = Token(tokenCase);

        var result = await check.CheckAsync(token, Ct);

        Assert.False(result.IsAccepted);
        Assert.Equal(expected, result.Refusal.Code);
        Assert.Equal(0, check.CachedCount);
        Assert.Equal(1, _checks.GetMeasurementSnapshot().Count(m => Tag(m, "outcome") == "refused" && Tag(m, "code") == expected.ToString()));
    }

    [Fact]
    public async Task CheckAsync_WithinClockSkewAfterExpiry_AcceptedAndOnceBeyondItExpired()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());

        _time.Advance(TimeSpan.FromMinutes(15) + _options.ClockSkew - TimeSpan.FromSeconds(1));
        var withinSkew = await check.CheckAsync(token, Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        var beyond = await check.CheckAsync(token, Ct);

        Assert.True(withinSkew.IsAccepted, withinSkew.ToString());
        Assert.Equal(PluginTokenRefusalCode.Expired, beyond.Refusal.Code);
    }

    [Fact]
    public async Task CheckAsync_PluginDisabledInSnapshot_RefusedPluginNotActive()
    {
        _policy.Set(PluginId, Digest, active: false);
        var check = NewCheck();

        var result = await check.CheckAsync(_key.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);

        Assert.Equal(PluginTokenRefusalCode.PluginNotActive, result.Refusal.Code);
    }

    [Fact]
    public async Task CheckAsync_NoPolicySnapshot_RefusesEvenAValidTokenWithoutFetchingKeys()
    {
        _policy.IsAvailable = false;
        var check = NewCheck();

        var result = await check.CheckAsync(_key.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);

        Assert.Equal(PluginTokenRefusalCode.NoPolicy, result.Refusal.Code);
        Assert.Equal(0, _jwks.Requests);
    }

    [Fact]
    public async Task CheckAsync_RegistryUnreachableAndNoKeysHeld_RefusedKeysUnavailable()
    {
        _jwks.Down = true;
        var check = NewCheck();

        var result = await check.CheckAsync(_key.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);

        Assert.Equal(PluginTokenRefusalCode.KeysUnavailable, result.Refusal.Code);
    }

    [Fact]
    public async Task CheckAsync_RegistryUnreachableAfterAFetch_KeepsTheKeysItHas()
    {
        var check = NewCheck();
        await check.CheckAsync(_key.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);
        _jwks.Down = true;
        _time.Advance(_options.KeyRefreshInterval);

        var unknown = await check.CheckAsync(new TestSigningKey().Issue(PluginId, Digest, _time.GetUtcNow()), Ct);
        var known = await check.CheckAsync(_key.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);

        Assert.Equal(2, _jwks.Requests);
        Assert.Equal(PluginTokenRefusalCode.UnknownKey, unknown.Refusal.Code);
        Assert.True(known.IsAccepted, known.ToString());
    }

    [Fact]
    public async Task CheckAsync_UnknownKidFlood_RefetchesTheJwksAtMostOncePerInterval()
    {
        var check = NewCheck();
        var stranger = new TestSigningKey();

        for (var i = 0; i < 50; i++)
        {
            await check.CheckAsync(stranger.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);
        }

        var withinInterval = _jwks.Requests;
        _time.Advance(_options.KeyRefreshInterval - TimeSpan.FromMilliseconds(1));
        await check.CheckAsync(stranger.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);
        var justBefore = _jwks.Requests;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await check.CheckAsync(stranger.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);

        Assert.Equal(1, withinInterval);
        Assert.Equal(1, justBefore);
        Assert.Equal(2, _jwks.Requests);
    }

    [Fact]
    public async Task CheckAsync_ConcurrentChecksOfANewKid_ShareOneFetchAndAllSeeTheKey()
    {
        var check = NewCheck();
        var rotated = new TestSigningKey();
        _jwks.Publish(rotated, _key);
        _jwks.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var checks = Enumerable.Range(0, 20).Select(_ => check.CheckAsync(rotated.Issue(PluginId, Digest, _time.GetUtcNow()), Ct).AsTask()).ToList();
        _jwks.Gate.SetResult();
        var results = await Task.WhenAll(checks);

        Assert.Equal(1, _jwks.Requests);
        Assert.All(results, r => Assert.True(r.IsAccepted, r.ToString()));
    }

    [Fact]
    public async Task CheckAsync_RegistryRotatedItsKey_NewKidAcceptedAfterOneRefetch()
    {
        var check = NewCheck();
        Assert.True((await check.CheckAsync(_key.Issue(PluginId, Digest, _time.GetUtcNow()), Ct)).IsAccepted);
        var rotated = new TestSigningKey();
        _jwks.Publish(rotated, _key);
        _time.Advance(_options.KeyRefreshInterval);

        var result = await check.CheckAsync(rotated.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(2, _jwks.Requests);
    }

    [Fact]
    public async Task CheckAsync_SameTokenAgain_SkipsValidation()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());

        var first = await check.CheckAsync(token, Ct);
        var second = await check.CheckAsync(token, Ct);
        var third = await check.CheckAsync(token, Ct);

        Assert.Same(first.Caller, second.Caller);
        Assert.Same(first.Caller, third.Caller);
        Assert.Equal(1, Count("validated"));
        Assert.Equal(2, Count("cached"));
        Assert.Equal(1, check.CachedCount);
    }

    [Fact]
    public async Task CheckAsync_CachedToken_CompletesSynchronously()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());
        await check.CheckAsync(token, Ct);

        var repeat = check.CheckAsync(token, Ct);
        var completedSynchronously = repeat.IsCompletedSuccessfully;
        var result = await repeat;

        Assert.True(completedSynchronously);
        Assert.True(result.IsAccepted);
    }

    [Fact]
    public async Task CheckAsync_PluginDisabledAfterTokenWasCached_RefusedAtOnceAndEntryDropped()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());
        Assert.True((await check.CheckAsync(token, Ct)).IsAccepted);

        _policy.Set(PluginId, Digest, active: false);
        var dropped = check.CachedCount;
        var result = await check.CheckAsync(token, Ct);

        Assert.Equal(0, dropped);
        Assert.Equal(PluginTokenRefusalCode.PluginNotActive, result.Refusal.Code);
    }

    [Fact]
    public async Task CheckAsync_PolicyEntryChangedWithoutNotification_CachedTokenRevalidated()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());
        Assert.True((await check.CheckAsync(token, Ct)).IsAccepted);

        // An upgrade pins another manifest; the revision moved even if the change notice has not arrived yet.
        _policy.Set(PluginId, new string('b', 64), notify: false);
        var result = await check.CheckAsync(token, Ct);

        Assert.Equal(PluginTokenRefusalCode.DigestNotPinned, result.Refusal.Code);
        Assert.Equal(0, Count("cached"));
    }

    [Fact]
    public async Task CheckAsync_AnotherPluginChanged_KeepsThisPluginsCachedToken()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());
        await check.CheckAsync(token, Ct);

        _policy.Set("someone-else", Digest);
        await check.CheckAsync(token, Ct);

        Assert.Equal(1, Count("cached"));
    }

    [Fact]
    public async Task CheckAsync_CachedTokenAndSnapshotGoesStale_RefusedNoPolicy()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());
        await check.CheckAsync(token, Ct);

        _policy.IsAvailable = false;
        var result = await check.CheckAsync(token, Ct);

        Assert.Equal(PluginTokenRefusalCode.NoPolicy, result.Refusal.Code);
    }

    [Fact]
    public async Task CheckAsync_CachedTokenExpires_EntryDiesAndTokenIsRefused()
    {
        var check = NewCheck();
        var token = _key.Issue(PluginId, Digest, _time.GetUtcNow());
        await check.CheckAsync(token, Ct);

        _time.Advance(TimeSpan.FromMinutes(15) + _options.ClockSkew);
        var result = await check.CheckAsync(token, Ct);

        Assert.Equal(PluginTokenRefusalCode.Expired, result.Refusal.Code);
        Assert.Equal(0, Count("cached"));
        Assert.Equal(0, check.CachedCount);
    }

    [Fact]
    public async Task CheckAsync_CacheFull_DropsExpiredEntriesAndStaysWithinCapacity()
    {
        _options.CacheCapacity = 2;
        var check = NewCheck();
        await check.CheckAsync(_key.Issue(PluginId, Digest, _time.GetUtcNow(), TimeSpan.FromMinutes(1)), Ct);
        await check.CheckAsync(_key.Issue(PluginId, Digest, _time.GetUtcNow()), Ct);
        var third = _key.Issue(PluginId, Digest, _time.GetUtcNow());

        await check.CheckAsync(third, Ct);
        var whileFull = check.CachedCount;
        _time.Advance(TimeSpan.FromMinutes(1) + _options.ClockSkew);
        await check.CheckAsync(third, Ct);
        await check.CheckAsync(third, Ct);

        Assert.Equal(2, whileFull);
        Assert.Equal(2, check.CachedCount);
        Assert.Equal(1, Count("cached"));
    }

    [Fact]
    public void Validate_BadOptions_ReportsEveryKey()
    {
        var result = new PluginTokenOptionsValidator().Validate(null, new PluginTokenOptions
        {
            JwksAddress = "ftp://registry/jwks",
            KeyRefreshInterval = TimeSpan.Zero,
            KeyFetchTimeout = TimeSpan.FromHours(1),
            ClockSkew = TimeSpan.FromHours(1),
            CacheCapacity = 0,
        });

        Assert.True(result.Failed);
        foreach (var key in new[] { "JwksAddress", "KeyRefreshInterval", "KeyFetchTimeout", "ClockSkew", "CacheCapacity" })
        {
            Assert.Contains(result.Failures!, f => f.Contains($"Fabrix:Lanes:Tokens:{key}", StringComparison.Ordinal));
        }
    }

    private string? Token(string tokenCase)
    {
        var now = _time.GetUtcNow();
        var valid = _key.Issue(PluginId, Digest, now);
        return tokenCase switch
        {
            "null" => null,
            "empty" => string.Empty,
            "not a jwt" => "not-a-jwt",
            "too long" => valid + new string('A', TokenHash.MaxTokenLength),
            "not ascii" => valid[..^1] + "é",
            "encrypted (five parts)" => "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d",
            "no manifest digest" => _key.Issue(PluginId, Digest, now, change: d => d.Claims.Remove(PluginTokenClaims.ManifestDigest)),
            "no subject" => _key.Issue(PluginId, Digest, now, change: d => d.Claims.Remove(JwtRegisteredClaimNames.Sub)),
            "alg none" => _key.Forge(valid, "none", sign: null),
            "HS256 signed with the public key" => _key.Forge(valid, "HS256", input => HMACSHA256.HashData(_key.PublicKeyPem(), input)),
            "ES384 header" => _key.Forge(valid, "ES384", input => _key.Ecdsa.SignData(input, HashAlgorithmName.SHA384)),
            "no kid" => new TestSigningKey(keyId: string.Empty).Issue(PluginId, Digest, now),
            "unknown kid" => new TestSigningKey().Issue(PluginId, Digest, now),
            "signed by another key under the registry's kid" => new TestSigningKey(_key.KeyId).Issue(PluginId, Digest, now),
            "payload changed after signing" => Tamper(valid),
            "expired beyond the clock skew" => _key.Issue(PluginId, Digest, now - TimeSpan.FromMinutes(15) - _options.ClockSkew - TimeSpan.FromSeconds(1)),
            "not valid for another two minutes" => _key.Issue(PluginId, Digest, now + TimeSpan.FromMinutes(2)),
            "wrong issuer" => _key.Issue(PluginId, Digest, now, change: d => d.Issuer = "someone-else"),
            "wrong audience" => _key.Issue(PluginId, Digest, now, change: d => d.Audience = "fabrix-core"),
            "unknown plugin" => _key.Issue("not-installed", Digest, now),
            "digest of another manifest" => _key.Issue(PluginId, new string('b', 64), now),
            _ => throw new ArgumentOutOfRangeException(nameof(tokenCase), tokenCase, null),
        };
    }

    /// <summary>The same signature over a payload naming another plugin.</summary>
    private string Tamper(string token)
    {
        var parts = token.Split('.');
        var other = _key.Issue("another-plugin", Digest, _time.GetUtcNow()).Split('.')[1];
        return $"{parts[0]}.{other}.{parts[2]}";
    }

    private PluginTokenCheck NewCheck()
    {
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        var metrics = new PluginTokenMetrics(meterFactory);
        var keys = new RegistryKeySet(new HttpClient(_jwks, disposeHandler: false), JwksServer.Address, _options.KeyRefreshInterval, _time, metrics,
            NullLogger<RegistryKeySet>.Instance);
        var check = new PluginTokenCheck(keys, _policy, Options.Create(_options), _time, metrics);
        _created.Add(check);
        return check;
    }

    private int Count(string outcome) => _checks.GetMeasurementSnapshot().Count(m => Tag(m, "outcome") == outcome);

    private static string? Tag(CollectedMeasurement<long> measurement, string name) =>
        measurement.Tags.TryGetValue(name, out var value) ? value as string : null;
}
