namespace Fabrix.Core.Registry.Health;

/// <summary>
/// The health rules that apply to one plugin: the platform's <see cref="HealthOptions"/> with that plugin's
/// <see cref="HealthPolicyOverride"/>, if any, laid over them.
/// </summary>
internal sealed record HealthPolicy(
    TimeSpan Interval,
    TimeSpan Timeout,
    int DegradedAfterFailures,
    int UnhealthyAfterFailures,
    int HealthyAfterSuccesses,
    TimeSpan HeartbeatTtl)
{
    /// <summary>The issue 3 defaults: every 10 s, 2 s timeout, 1 failure → degraded, 3 → unhealthy, 2 successes → healthy, 30 s TTL.</summary>
    public static HealthPolicy Default { get; } = Platform(new HealthOptions());

    /// <summary>The platform-wide policy, without any plugin's overrides.</summary>
    public static HealthPolicy Platform(HealthOptions options) => new(
        options.Interval,
        options.Timeout,
        options.DegradedAfterFailures,
        options.UnhealthyAfterFailures,
        options.HealthyAfterSuccesses,
        options.HeartbeatTtl);

    /// <summary>The policy for <paramref name="pluginId"/>: the platform's, with the plugin's overrides applied.</summary>
    public static HealthPolicy Resolve(HealthOptions options, string pluginId)
    {
        var platform = Platform(options);
        return options.Plugins.TryGetValue(pluginId, out var pluginOverride) && pluginOverride is not null
            ? platform.With(pluginOverride)
            : platform;
    }

    /// <summary>This policy with every value <paramref name="pluginOverride"/> sets replaced.</summary>
    public HealthPolicy With(HealthPolicyOverride pluginOverride) => new(
        pluginOverride.Interval ?? Interval,
        pluginOverride.Timeout ?? Timeout,
        pluginOverride.DegradedAfterFailures ?? DegradedAfterFailures,
        pluginOverride.UnhealthyAfterFailures ?? UnhealthyAfterFailures,
        pluginOverride.HealthyAfterSuccesses ?? HealthyAfterSuccesses,
        pluginOverride.HeartbeatTtl ?? HeartbeatTtl);
}
