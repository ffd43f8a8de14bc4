using System.Globalization;
using System.Threading.RateLimiting;
using Fabrix.Core.Gateway.Refusals;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Gateway.Limits;

/// <summary>
/// Per-caller rate limits (issue 10 section 4): a token bucket per calling plugin
/// (<see cref="System.Threading.RateLimiting"/>, one replenishment timer for all of them), taken before the policy is
/// evaluated, so a caller over its rate costs the gateway one dictionary read. Excess gets 429 with <c>Retry-After</c>.
/// </summary>
internal sealed class CallerRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly RateLimitOptions _defaults;

    public CallerRateLimits(IOptions<GatewayLimitsOptions> options)
    {
        _defaults = options.Value.RateLimit;
        _limiter = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, LimitFor));
    }

    /// <summary>Takes one call from <paramref name="caller"/>'s bucket; a refusal (429) when it is empty.</summary>
    public GatewayRefusal? TryTake(string caller)
    {
        using var lease = _limiter.AttemptAcquire(caller);
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
    /// The bucket of <paramref name="caller"/>: the configured defaults. This is the one place per-plugin overrides
    /// from the policy snapshot (an administrator's limit for this plugin, issue 10 section 4) plug in; a changed
    /// override must then also change the partition key (caller and override revision), since a partition's bucket is
    /// created once.
    /// </summary>
    internal TokenBucketRateLimiterOptions LimitFor(string caller) => new()
    {
        TokenLimit = _defaults.Burst,
        TokensPerPeriod = _defaults.TokensPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
