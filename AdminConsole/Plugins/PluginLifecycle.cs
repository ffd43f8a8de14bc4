using System.Globalization;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using MudBlazor;

namespace Fabrix.AdminConsole.Plugins;

/// <summary>
/// How lifecycle statuses, actions and health look in the console. Which actions a plugin allows is not decided here:
/// the registry sends them with every summary (<see cref="PluginSummary.AllowedActions"/>), from its lifecycle table.
/// </summary>
internal static class PluginLifecycle
{
    public static IReadOnlyList<PluginStatus> Statuses { get; } =
        [PluginStatus.Installed, PluginStatus.Registered, PluginStatus.Active, PluginStatus.Disabled, PluginStatus.Unregistered];

    /// <summary>The verb used in buttons' <c>data-testid</c> (<c>disable-{id}</c>) and messages.</summary>
    public static string Verb(PluginAction action) => action switch
    {
        PluginAction.Enable => "enable",
        PluginAction.Disable => "disable",
        PluginAction.Unregister => "unregister",
        PluginAction.Uninstall => "uninstall",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static string Label(PluginAction action) => action switch
    {
        PluginAction.Enable => "Enable",
        PluginAction.Disable => "Disable",
        PluginAction.Unregister => "Unregister",
        PluginAction.Uninstall => "Uninstall",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static string Consequence(PluginAction action) => action switch
    {
        PluginAction.Enable => "It becomes active: core routes to it again and it can renew its token.",
        PluginAction.Disable => "It is quarantined: core stops routing to it and refuses to renew its token.",
        PluginAction.Unregister => "It is removed from service; it cannot register again until it is reinstalled.",
        PluginAction.Uninstall => "Its installation is removed; the manifest must be approved again to install it.",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static Color ActionColor(PluginAction action) => action switch
    {
        PluginAction.Enable => Color.Success,
        PluginAction.Disable => Color.Warning,
        _ => Color.Error,
    };

    public static string Text(PluginStatus status) => status switch
    {
        PluginStatus.Installed => "installed",
        PluginStatus.Registered => "registered",
        PluginStatus.Active => "active",
        PluginStatus.Disabled => "disabled",
        PluginStatus.Unregistered => "unregistered",
        _ => "unknown",
    };

    public static Color StatusColor(PluginStatus status) => status switch
    {
        PluginStatus.Installed => Color.Info,
        PluginStatus.Registered => Color.Secondary,
        PluginStatus.Active => Color.Success,
        PluginStatus.Disabled => Color.Warning,
        PluginStatus.Unregistered => Color.Dark,
        _ => Color.Default,
    };

    public static string Text(HealthState health) => health switch
    {
        HealthState.Healthy => "healthy",
        HealthState.Degraded => "degraded",
        HealthState.Unhealthy => "unhealthy",
        _ => "unknown",
    };

    public static Color HealthColor(HealthState health) => health switch
    {
        HealthState.Healthy => Color.Success,
        HealthState.Degraded => Color.Warning,
        HealthState.Unhealthy => Color.Error,
        _ => Color.Default,
    };

    /// <summary>The detail page of a plugin, relative to the base URI.</summary>
    public static string DetailHref(string id) => $"plugins/{Uri.EscapeDataString(id)}";

    /// <summary>UTC, to the second; "—" when the registry left the time unset (e.g. never registered).</summary>
    public static string Time(Timestamp? timestamp) =>
        timestamp is null ? "—" : timestamp.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>As <see cref="Time"/> without the zone, for table cells whose header says UTC.</summary>
    public static string ShortTime(Timestamp? timestamp) =>
        timestamp is null ? "—" : timestamp.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
