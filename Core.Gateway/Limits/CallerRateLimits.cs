using System.Globalization;
using System.Threading.RateLimiting;
using Fabrix.Core.Gateway.Refusals;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Gateway.Limits;

/// <summary>
/// Per-caller rate limits (issue 10 section 4): a token bucket per calling plugin
/// (<see cref="System.Threading.RateLimiting"/>, one replenishment timer for all of them), taken before the policy is
/// evaluated, so a caller over its rate costs the gateway one dictionary read. Excess gets 429 with <c>Retry-After</c>.
/// </summary>
internal sealed class CallerRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<BucketKey> _limiter;
    private readonly RateLimitOptions _defaults;

    public CallerRateLimits(IOptions<GatewayLimitsOptions> options)
    {
        _defaults = options.Value.RateLimit;
        _limiter = PartitionedRateLimiter.Create<BucketKey, BucketKey>(key => RateLimitPartition.GetTokenBucketLimiter(key, BucketOptions));
    }

    /// <summary>
    /// Takes one call from <paramref name="caller"/>'s bucket, sized by the administrator's override from the policy
    /// snapshot when there is one (<paramref name="overrides"/>, issue 10 section 4), else by the configured defaults;
    /// a refusal (429) when it is empty.
    /// </summary>
    public GatewayRefusal? TryTake(string caller, RateLimitOverride? overrides)
    {
        using var lease = _limiter.AttemptAcquire(KeyFor(caller, overrides));
        if (lease.IsAcquired)
        {
            return null;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        return new GatewayRefusal(StatusCodes.Status429TooManyRequests, RefusalCodes.RateLimited,
            string.Create(CultureInfo.InvariantCulture, $"The plugin '{caller}' is over its call rate on the Operator lane; retry after {retryAfter} s."), retryAfter);
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>
    /// The bucket of <paramref name="caller"/>: the override's rate and burst where set, the defaults elsewhere. The key
    /// holds the sizes, so a changed override starts a new bucket (a partition's bucket is created once; the idle old one
    /// is dropped by the limiter).
    /// </summary>
    internal BucketKey KeyFor(string caller, RateLimitOverride? overrides) =>
        new(caller, overrides?.RequestsPerSecond ?? _defaults.TokensPerSecond, overrides?.Burst ?? _defaults.Burst);

    /// <summary>Whole tokens per second; a rate under one a second adds one token every 1/rate seconds.</summary>
    internal static TokenBucketRateLimiterOptions BucketOptions(BucketKey key) => new()
    {
        TokenLimit = key.Burst,
        TokensPerPeriod = key.TokensPerSecond >= 1 ? (int)Math.Round(key.TokensPerSecond) : 1,
        ReplenishmentPeriod = key.TokensPerSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / key.TokensPerSecond),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>One caller's bucket and its size.</summary>
    internal readonly record struct BucketKey(string Caller, double TokensPerSecond, int Burst);
}
