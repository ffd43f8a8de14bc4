namespace Fabrix.Plugins.Sdk.Heartbeat;

/// <summary>The basic metrics a plugin reports in heartbeats and on <c>/health</c> (seed 004 "Health Monitoring").</summary>
internal static class PluginMetrics
{
    public const string UptimeSeconds = "uptime_seconds";
    public const string WorkingSetMegabytes = "working_set_mb";

    public static IReadOnlyDictionary<string, double> Capture(IFabrixPlugin plugin) => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        [UptimeSeconds] = Math.Round(plugin.Uptime.TotalSeconds, 3),
        [WorkingSetMegabytes] = Math.Round(Environment.WorkingSet / (1024.0 * 1024.0), 1),
    };
}
