using System.Globalization;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Cli.Plugins;

/// <summary>How registry values read on the command line: lower-case status and health names, UTC timestamps, compact metrics.</summary>
internal static class PluginText
{
    public static IReadOnlyList<string> StatusNames { get; } = ["installed", "registered", "active", "disabled", "unregistered"];

    public static string Status(PluginStatus status) => status switch
    {
        PluginStatus.Installed => "installed",
        PluginStatus.Registered => "registered",
        PluginStatus.Active => "active",
        PluginStatus.Disabled => "disabled",
        PluginStatus.Unregistered => "unregistered",
        _ => "unknown",
    };

    public static PluginStatus ParseStatus(string? name) => name switch
    {
        "installed" => PluginStatus.Installed,
        "registered" => PluginStatus.Registered,
        "active" => PluginStatus.Active,
        "disabled" => PluginStatus.Disabled,
        "unregistered" => PluginStatus.Unregistered,
        _ => PluginStatus.Unspecified,
    };

    public static string Health(HealthState health) => health switch
    {
        HealthState.Healthy => "healthy",
        HealthState.Degraded => "degraded",
        HealthState.Unhealthy => "unhealthy",
        _ => "unknown",
    };

    public static string Time(Timestamp? timestamp) =>
        timestamp is null ? "-" : timestamp.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Probe round trip in milliseconds; heartbeats are pushed by the plugin, so the registry times nothing ("-").</summary>
    public static string Latency(HealthSample sample) =>
        sample.Source == "heartbeat" ? "-" : sample.LatencyMs.ToString(CultureInfo.InvariantCulture) + " ms";

    /// <summary>
    /// Metrics on one line, <c>name=value</c> sorted by name, e.g. <c>memory.working_set_mb=80.5 uptime_seconds=12</c>;
    /// at most three decimals and no digit grouping, so the line splits on spaces and '=' (--json has the exact values).
    /// </summary>
    public static string Metrics(IEnumerable<KeyValuePair<string, double>> metrics)
    {
        var text = string.Join(' ', metrics
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => m.Key + "=" + m.Value.ToString("0.###", CultureInfo.InvariantCulture)));
        return text.Length == 0 ? "-" : text;
    }

    public static string List(IEnumerable<string> values)
    {
        var text = string.Join(", ", values);
        return text.Length == 0 ? "-" : text;
    }
}
