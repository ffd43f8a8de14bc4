using Fabrix.AdminConsole.Plugins;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AdminConsole.Dashboard;

/// <summary>A plugin an administrator should look at, and why.</summary>
internal sealed record AttentionItem(PluginSummary Plugin, IReadOnlyList<string> Reasons);

/// <summary>The dashboard's arithmetic over the live plugin list (issue 3 §5): counts by status and health, plugins needing attention.</summary>
internal static class PluginOverview
{
    /// <summary>Health states in the order the dashboard shows them.</summary>
    public static IReadOnlyList<HealthState> HealthStates { get; } =
        [HealthState.Healthy, HealthState.Degraded, HealthState.Unhealthy, HealthState.Unknown];

    /// <summary>Every lifecycle status with its count, zero included.</summary>
    public static IReadOnlyList<(PluginStatus Status, int Count)> CountByStatus(IReadOnlyCollection<PluginSummary> plugins) =>
        [.. PluginLifecycle.Statuses.Select(status => (status, plugins.Count(p => p.Status == status)))];

    /// <summary>Every health state with its count; a plugin whose health the registry left unset counts as unknown.</summary>
    public static IReadOnlyList<(HealthState Health, int Count)> CountByHealth(IReadOnlyCollection<PluginSummary> plugins) =>
        [.. HealthStates.Select(health => (health, plugins.Count(p => Normalize(p.Health) == health)))];

    /// <summary>
    /// Unhealthy or degraded plugins that are in service (registered, active or disabled: installed and unregistered ones
    /// are not running, so their health says nothing), registered plugins nobody enabled, and disabled plugins. Worst first.
    /// </summary>
    public static IReadOnlyList<AttentionItem> NeedingAttention(IReadOnlyCollection<PluginSummary> plugins) =>
        [.. plugins
            .Select(p => new AttentionItem(p, Reasons(p)))
            .Where(item => item.Reasons.Count > 0)
            .OrderBy(item => Severity(item.Plugin))
            .ThenBy(item => item.Plugin.Id, StringComparer.Ordinal)];

    private static List<string> Reasons(PluginSummary plugin)
    {
        var reasons = new List<string>(2);
        var inService = plugin.Status is PluginStatus.Registered or PluginStatus.Active or PluginStatus.Disabled;
        if (inService && Normalize(plugin.Health) is HealthState.Unhealthy or HealthState.Degraded)
        {
            reasons.Add(PluginLifecycle.Text(plugin.Health));
        }

        if (plugin.Status == PluginStatus.Registered)
        {
            reasons.Add("registered but not enabled");
        }
        else if (plugin.Status == PluginStatus.Disabled)
        {
            reasons.Add("disabled");
        }

        return reasons;
    }

    private static int Severity(PluginSummary plugin) => (plugin.Status, Normalize(plugin.Health)) switch
    {
        (not PluginStatus.Installed and not PluginStatus.Unregistered, HealthState.Unhealthy) => 0,
        (not PluginStatus.Installed and not PluginStatus.Unregistered, HealthState.Degraded) => 1,
        (PluginStatus.Registered, _) => 2,
        _ => 3,
    };

    private static HealthState Normalize(HealthState health) => health == HealthState.Unspecified ? HealthState.Unknown : health;
}
