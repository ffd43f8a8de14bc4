using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Lanes.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Benchmarks.Lanes;

/// <summary>
/// The lanes' plugin-token check (issue 9 section 3): a repeat check served from the validated-token cache, a full check
/// of a token the cache does not hold, and, as the baseline, what every check would cost without the library: a bare
/// <see cref="JsonWebTokenHandler"/> validation of the same ES256 token with the key in hand.
/// </summary>
[MemoryDiagnoser]
public class PluginTokenCheckBenchmark
{
    private const string PluginId = "user-management";
    private static readonly string Digest = new('a', 64);

    private readonly JsonWebTokenHandler _handler = new();
    private ServiceProvider _services = null!;
    private PluginTokenCheck _cachedCheck = null!;
    private PluginTokenCheck _uncachedCheck = null!;
    private TokenValidationParameters _baselineParameters = null!;
    private string _token = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new ECDsaSecurityKey(ecdsa) { KeyId = "bench-key" };
        _token = Issue(key, DateTimeOffset.UtcNow);
        _baselineParameters = new TokenValidationParameters
        {
            ValidIssuer = PluginTokenClaims.Issuer,
            ValidAudience = PluginTokenClaims.Audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKey = new ECDsaSecurityKey(ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false))) { KeyId = key.KeyId },
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(1),
        };

        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var policy = new FixedPolicy(new PluginTokenPolicyEntry(PluginId, true, Digest, ["handles_pii"], ["pii"], 1));
        _cachedCheck = NewCheck(ecdsa, policy, capacity: 10_000);

        // Capacity 1, held by another live token: every check of the benchmark token is a miss and the full check.
        _uncachedCheck = NewCheck(ecdsa, policy, capacity: 1);
        Require(_uncachedCheck.CheckAsync(Issue(key, DateTimeOffset.UtcNow.AddSeconds(-1)), CancellationToken.None).AsTask().GetAwaiter().GetResult());
        Require(_cachedCheck.CheckAsync(_token, CancellationToken.None).AsTask().GetAwaiter().GetResult());
        Require(_uncachedCheck.CheckAsync(_token, CancellationToken.None).AsTask().GetAwaiter().GetResult());
        if (!_handler.ValidateTokenAsync(_token, _baselineParameters).GetAwaiter().GetResult().IsValid)
        {
            throw new InvalidOperationException("The baseline validation refused the token.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cachedCheck.Dispose();
        _uncachedCheck.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true, Description = "JsonWebTokenHandler.ValidateTokenAsync")]
    public async Task<bool> RawHandler() => (await _handler.ValidateTokenAsync(_token, _baselineParameters)).IsValid;

    [Benchmark(Description = "PluginTokenCheck, uncached")]
    public async Task<bool> Uncached() => (await _uncachedCheck.CheckAsync(_token, CancellationToken.None)).IsAccepted;

    [Benchmark(Description = "PluginTokenCheck, cached")]
    public bool Cached()
    {
        // A cache hit completes synchronously; reading the result is what a lane's hot path does.
        var check = _cachedCheck.CheckAsync(_token, CancellationToken.None);
        return check.IsCompletedSuccessfully ? check.Result.IsAccepted : check.AsTask().GetAwaiter().GetResult().IsAccepted;
    }

    private PluginTokenCheck NewCheck(ECDsa ecdsa, IPluginTokenPolicy policy, int capacity)
    {
        var options = new PluginTokenOptions { JwksAddress = JwksHandler.Address.ToString(), CacheCapacity = capacity };
        var metrics = new PluginTokenMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var keys = new RegistryKeySet(new HttpClient(new JwksHandler(ecdsa, "bench-key")), JwksHandler.Address, options.KeyRefreshInterval, TimeProvider.System,
            metrics, NullLogger<RegistryKeySet>.Instance);
        return new PluginTokenCheck(keys, policy, Options.Create(options), TimeProvider.System, metrics);
    }

    private static string Issue(ECDsaSecurityKey key, DateTimeOffset issuedAt) => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
        new SecurityTokenDescriptor
        {
            Issuer = PluginTokenClaims.Issuer,
            Audience = PluginTokenClaims.Audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = issuedAt.AddHours(1).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [JwtRegisteredClaimNames.Sub] = PluginId,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("D"),
                [PluginTokenClaims.Version] = "1.0.0",
                [PluginTokenClaims.Traits] = new List<string> { "handles_pii" },
                [PluginTokenClaims.Contracts] = new List<string> { "IdentityPlugin" },
                [PluginTokenClaims.ManifestDigest] = Digest,
            },
        });

    private static void Require(PluginTokenResult result)
    {
        if (!result.IsAccepted)
        {
            throw new InvalidOperationException($"The check refused the benchmark token: {result}");
        }
    }

    /// <summary>One plugin, active, never changing.</summary>
    private sealed class FixedPolicy(PluginTokenPolicyEntry entry) : IPluginTokenPolicy
    {
        public bool IsAvailable => true;

        public event Action<string?>? PluginChanged
        {
            add { }
            remove { }
        }

        public PluginTokenPolicyEntry? Find(string pluginId) => pluginId == entry.PluginId ? entry : null;
    }

    /// <summary>The registry's JWKS endpoint, in process: the fetch happens once, in setup.</summary>
    private sealed class JwksHandler(ECDsa ecdsa, string keyId) : HttpMessageHandler
    {
        public static readonly Uri Address = new("http://registry.bench/.well-known/jwks.json");

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var q = ecdsa.ExportParameters(includePrivateParameters: false).Q;
            var json = $$"""{"keys":[{"kty":"EC","crv":"P-256","x":"{{Base64Url.EncodeToString(q.X)}}","y":"{{Base64Url.EncodeToString(q.Y)}}","kid":"{{keyId}}","alg":"ES256","use":"sig"}]}""";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/jwk-set+json") });
        }
    }
}
