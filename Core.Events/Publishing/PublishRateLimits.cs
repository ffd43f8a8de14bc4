using System.Threading.RateLimiting;
using Fabrix.Core.Events.Refusals;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Publishing;

/// <summary>
/// Per-plugin publish rate (issue 11 section 2): a token bucket per publisher, sized by the administrator's override in
/// the policy snapshot (<c>LaneLimits.CanonicalPublish</c>) or else by <see cref="PublishOptions"/>. One token per event,
/// so a batch of n takes n. Excess is refused with 429 / RESOURCE_EXHAUSTED and a retry hint.
/// </summary>
internal sealed class PublishRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<BucketKey> _limiter;
    private readonly PublishOptions _defaults;

    public PublishRateLimits(IOptions<PublishOptions> options)
    {
        _defaults = options.Value;
        _limiter = PartitionedRateLimiter.Create<BucketKey, BucketKey>(static key => RateLimitPartition.Get(key, s_createBucket));
    }

    /// <summary>Takes <paramref name="events"/> tokens from the plugin's bucket; a refusal when it holds fewer.</summary>
    public EventsRefusal? TryTake(string pluginId, RateLimitOverride? overrides, int events = 1)
    {
        var key = new BucketKey(pluginId, overrides?.RequestsPerSecond ?? _defaults.TokensPerSecond, overrides?.Burst ?? _defaults.Burst);
        using var lease = _limiter.AttemptAcquire(key, Math.Min(events, key.Burst));
        if (lease.IsAcquired)
        {
            return null;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
        return EventsRefusal.RateLimited(pluginId, retryAfter);
    }

    public void Dispose() => _limiter.Dispose();

    // One factory for every partition: the partitioner runs on every acquire, and must not allocate a delegate each time.
    private static readonly Func<BucketKey, RateLimiter> s_createBucket = static key => new TokenBucketRateLimiter(BucketOptions(key));

    private static TokenBucketRateLimiterOptions BucketOptions(BucketKey key) => new()
    {
        TokenLimit = key.Burst,
        TokensPerPeriod = key.TokensPerSecond >= 1 ? (int)Math.Round(key.TokensPerSecond) : 1,
        ReplenishmentPeriod = key.TokensPerSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / key.TokensPerSecond),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>A plugin's bucket and its size: a changed override starts a new bucket.</summary>
    private readonly record struct BucketKey(string PluginId, double TokensPerSecond, int Burst);
}
