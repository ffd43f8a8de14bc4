using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Proxy.Quotas;

/// <summary>
/// Per-plugin quotas of the Proxy lane (issue 12 section 2), sized by the administrator's override in the policy
/// snapshot where it sets a field and by <see cref="ProxyLimitsOptions"/> elsewhere, so an override takes effect on the
/// next request. Two quotas:
/// <list type="bullet">
/// <item>Request rate: a token bucket per plugin (<see cref="System.Threading.RateLimiting"/>); every request and every
/// tunnel takes one token; an empty bucket is a 429 <c>rate_limited</c> with <c>Retry-After</c>.</item>
/// <item>Bandwidth: a <see cref="ByteBudget"/> per plugin, charged with response bodies and both directions of tunnels.
/// A copy in progress is throttled (it waits while the budget is in debt); a new request or tunnel while it is in debt
/// is refused with 429 <c>bandwidth_exhausted</c> and <c>Retry-After</c>.</item>
/// </list>
/// </summary>
internal sealed class EgressQuotas : IDisposable
{
    private readonly PartitionedRateLimiter<BucketKey> _limiter;
    private readonly ConcurrentDictionary<string, ByteBudget> _budgets = new(StringComparer.Ordinal);
    private readonly ProxyLimitsOptions _defaults;
    private readonly TimeProvider _time;

    public EgressQuotas(IOptions<ProxyLimitsOptions> options, TimeProvider time)
    {
        _defaults = options.Value;
        _time = time;
        _limiter = PartitionedRateLimiter.Create<BucketKey, BucketKey>(key => RateLimitPartition.GetTokenBucketLimiter(key, BucketOptions));
    }

    /// <summary>Takes one request from the plugin's quotas; null when it may go on, else the refusal's reason and retry delay in seconds.</summary>
    public (string Reason, int RetryAfterSeconds)? TryStart(string pluginId, ProxyLimitOverride? overrides)
    {
        if (BudgetFor(pluginId, overrides) is { } budget && budget.Debt() is { } debt && debt > TimeSpan.Zero)
        {
            return (Contracts.Errors.ProxyReasons.BandwidthExhausted, Seconds(debt));
        }

        using var lease = _limiter.AttemptAcquire(new BucketKey(
            pluginId,
            overrides?.RequestsPerSecond ?? _defaults.RequestsPerSecond,
            overrides?.Burst ?? _defaults.Burst));
        if (lease.IsAcquired)
        {
            return null;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Seconds(wait) : 1;
        return (Contracts.Errors.ProxyReasons.RateLimited, retryAfter);
    }

    /// <summary>
    /// The plugin's bandwidth budget, or null when it has no bandwidth quota. A changed quota starts a new budget (the
    /// old one's debt is forgiven: the administrator chose a new rate).
    /// </summary>
    public ByteBudget? BudgetFor(string pluginId, ProxyLimitOverride? overrides)
    {
        var rate = overrides?.BytesPerSecond ?? _defaults.BytesPerSecond;
        if (rate <= 0)
        {
            _budgets.TryRemove(pluginId, out _);
            return null;
        }

        return _budgets.AddOrUpdate(pluginId, (_, r) => new ByteBudget(r, _time),
            (_, existing, r) => existing.BytesPerSecond == r ? existing : new ByteBudget(r, _time), rate);
    }

    public void Dispose() => _limiter.Dispose();

    private static int Seconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);

    /// <summary>Whole tokens per second; a rate under one a second adds one token every 1/rate seconds.</summary>
    private static TokenBucketRateLimiterOptions BucketOptions(BucketKey key) => new()
    {
        TokenLimit = key.Burst,
        TokensPerPeriod = key.TokensPerSecond >= 1 ? (int)Math.Round(key.TokensPerSecond) : 1,
        ReplenishmentPeriod = key.TokensPerSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / key.TokensPerSecond),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>One plugin's bucket and its size: the key holds the size, so a changed override starts a new bucket.</summary>
    private readonly record struct BucketKey(string PluginId, double TokensPerSecond, int Burst);
}
