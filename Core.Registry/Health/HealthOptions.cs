using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// Settings under <c>Fabrix:Registry:Health</c>: the platform's health policy (issue 3 §1 defaults), the polling loop's
/// tuning, and per-plugin overrides under <c>Fabrix:Registry:Health:Plugins:&lt;plugin id&gt;</c>. Durations use
/// the <c>hh:mm:ss</c> form of configuration binding (<c>00:00:10</c>).
/// </summary>
internal sealed class HealthOptions
{
    public const string SectionName = "Fabrix:Registry:Health";

    /// <summary>
    /// Whether this registry instance takes part in health monitoring (default true). Several instances elect one
    /// monitor among themselves, so this is not needed for scaling out; turn it off where health is not wanted. With it
    /// off, heartbeats are still accepted and stored, and health stays as last recorded.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between two probes of one plugin (issue 3: every 10 s).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a probe may take before it counts as a failure (issue 3: 2 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive failures after which a plugin is degraded (issue 3: the first failure).</summary>
    public int DegradedAfterFailures { get; set; } = 1;

    /// <summary>Consecutive failures after which a plugin is unhealthy (issue 3: 3).</summary>
    public int UnhealthyAfterFailures { get; set; } = 3;

    /// <summary>Consecutive successes after which a plugin is healthy (issue 3: 2).</summary>
    public int HealthyAfterSuccesses { get; set; } = 2;

    /// <summary>
    /// A plugin without <c>health_check</c> that has not sent a heartbeat for this long is unhealthy (issue 3: 30 s).
    /// </summary>
    public TimeSpan HeartbeatTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most probes in flight at once, over all plugins.</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>
    /// Each plugin's next probe is due after <see cref="Interval"/> × (1 ± <see cref="Jitter"/>), so plugins that
    /// started together drift apart instead of being probed in lock-step.
    /// </summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary>Resolution of the polling loop: how often it looks for due probes and expired heartbeats.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the set of monitored plugins is reloaded from the store (also on request).</summary>
    public TimeSpan TargetRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Samples and transitions older than this are pruned from the health history.</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Per-plugin overrides of the policy, keyed by plugin id; unset values fall back to the platform's.</summary>
    public Dictionary<string, HealthPolicyOverride> Plugins { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One plugin's overrides of the platform health policy; <c>null</c> keeps the platform value.</summary>
internal sealed class HealthPolicyOverride
{
    public TimeSpan? Interval { get; set; }

    public TimeSpan? Timeout { get; set; }

    public int? DegradedAfterFailures { get; set; }

    public int? UnhealthyAfterFailures { get; set; }

    public int? HealthyAfterSuccesses { get; set; }

    public TimeSpan? HeartbeatTtl { get; set; }
}

/// <summary>Reports every bad <c>Fabrix:Registry:Health</c> key at once, by its configuration key.</summary>
internal sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    private const int MaxThreshold = 100;

    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        var failures = new List<string>();
        var root = HealthOptions.SectionName;

        Range(failures, $"{root}:Tick", options.Tick, TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1));
        Range(failures, $"{root}:TargetRefreshInterval", options.TargetRefreshInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        Range(failures, $"{root}:HistoryRetention", options.HistoryRetention, TimeSpan.FromHours(1), TimeSpan.FromDays(3653));
        if (options.MaxConcurrency is < 1 or > 4096)
        {
            failures.Add($"{root}:MaxConcurrency must be between 1 and 4096 (was {options.MaxConcurrency}).");
        }

        // Beyond ±50 % an "interval" no longer means anything; negative jitter is a typo.
        if (!double.IsFinite(options.Jitter) || options.Jitter is < 0 or > 0.5)
        {
            failures.Add($"{root}:Jitter must be a fraction between 0 and 0.5 (was {options.Jitter}).");
        }

        ValidatePolicy(failures, root, HealthPolicy.Platform(options), options.Tick);
        foreach (var (pluginId, pluginOverride) in options.Plugins)
        {
            if (pluginOverride is null)
            {
                continue;
            }

            ValidatePolicy(failures, $"{root}:Plugins:{pluginId}", HealthPolicy.Platform(options).With(pluginOverride), options.Tick);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePolicy(List<string> failures, string prefix, HealthPolicy policy, TimeSpan tick)
    {
        var countBefore = failures.Count;
        Range(failures, $"{prefix}:Interval", policy.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        Range(failures, $"{prefix}:Timeout", policy.Timeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        Range(failures, $"{prefix}:HeartbeatTtl", policy.HeartbeatTtl, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        Threshold(failures, $"{prefix}:DegradedAfterFailures", policy.DegradedAfterFailures);
        Threshold(failures, $"{prefix}:UnhealthyAfterFailures", policy.UnhealthyAfterFailures);
        Threshold(failures, $"{prefix}:HealthyAfterSuccesses", policy.HealthyAfterSuccesses);
        if (failures.Count != countBefore)
        {
            return;
        }

        // A probe must end before the next one of the same plugin is due, or probes of a hanging plugin pile up.
        if (policy.Timeout >= policy.Interval)
        {
            failures.Add($"{prefix}:Timeout ({policy.Timeout}) must be shorter than {prefix}:Interval ({policy.Interval}).");
        }

        if (policy.UnhealthyAfterFailures < policy.DegradedAfterFailures)
        {
            failures.Add($"{prefix}:UnhealthyAfterFailures ({policy.UnhealthyAfterFailures}) must not be less than {prefix}:DegradedAfterFailures ({policy.DegradedAfterFailures}).");
        }

        // The loop only looks for due probes once per tick; a shorter interval could not be honoured.
        if (policy.Interval < tick)
        {
            failures.Add($"{prefix}:Interval ({policy.Interval}) must not be shorter than {HealthOptions.SectionName}:Tick ({tick}).");
        }
    }

    private static void Threshold(List<string> failures, string key, int value)
    {
        if (value is < 1 or > MaxThreshold)
        {
            failures.Add($"{key} must be between 1 and {MaxThreshold} (was {value}).");
        }
    }

    private static void Range(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} must be between {min} and {max} (was {value}).");
        }
    }
}
