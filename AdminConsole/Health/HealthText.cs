using System.Globalization;
using Fabrix.AdminConsole.Plugins;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Health;

/// <summary>How health monitoring reads in the console (issue 3 §1).</summary>
internal static class HealthText
{
    /// <summary>The registry's <c>PluginHealth.monitoring</c> in words.</summary>
    public static string Monitoring(string monitoring) => monitoring switch
    {
        "probe:http" => "active probe of the HTTP health endpoint",
        "probe:grpc" => "active probe of the gRPC health service",
        "heartbeat" => "heartbeats only (no health_check declared)",
        "" => "not monitored yet",
        _ => monitoring,
    };

    public static string Source(string source) => source switch
    {
        "probe" => "probe",
        "heartbeat" => "heartbeat",
        _ => source,
    };

    /// <summary>A metric value as a person reads it: grouped digits, at most three decimals, invariant culture.</summary>
    public static string Metric(double value) =>
        double.IsFinite(value) ? value.ToString("#,0.###", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Level of a state on the state chart's Y axis: up is better, unknown at the bottom.</summary>
    public static double Level(HealthState state) => state switch
    {
        HealthState.Healthy => 3,
        HealthState.Degraded => 2,
        HealthState.Unhealthy => 1,
        _ => 0,
    };

    public static string LevelText(double level) => level switch
    {
        3 => PluginLifecycle.Text(HealthState.Healthy),
        2 => PluginLifecycle.Text(HealthState.Degraded),
        1 => PluginLifecycle.Text(HealthState.Unhealthy),
        0 => PluginLifecycle.Text(HealthState.Unknown),
        _ => string.Empty,
    };
}
