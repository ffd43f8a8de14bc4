namespace Fabrix.Contracts.Identity;

/// <summary>
/// Application roles of administrators (ARCHITECTURE.md "Identity and trust"). The same names are
/// Entra ID app roles and the values of the <c>roles</c> claim in development tokens.
/// </summary>
public static class AdminRoles
{
    /// <summary>May do everything.</summary>
    public const string Admin = "admin";

    /// <summary>May install, enable, disable, unregister and uninstall plugins.</summary>
    public const string PluginManager = "plugin_manager";

    /// <summary>May change plugin configuration and secrets.</summary>
    public const string ConfigManager = "config_manager";

    /// <summary>May read plugins and the audit log, and change nothing.</summary>
    public const string AuditViewer = "audit_viewer";

    /// <summary>Every role, in the order the development sign-in offers them.</summary>
    public static IReadOnlyList<string> All { get; } = [Admin, PluginManager, ConfigManager, AuditViewer];

    /// <summary>Roles that may change the lifecycle of a plugin.</summary>
    public static IReadOnlyList<string> LifecycleManagers { get; } = [Admin, PluginManager];

    /// <summary>True when <paramref name="roles"/> allow lifecycle changes (install, enable, disable, unregister).</summary>
    public static bool CanManagePlugins(IEnumerable<string> roles) =>
        roles.Any(r => LifecycleManagers.Contains(r, StringComparer.Ordinal));

    /// <summary>True when <paramref name="roles"/> hold any administrator role (enough to read).</summary>
    public static bool CanRead(IEnumerable<string> roles) =>
        roles.Any(r => All.Contains(r, StringComparer.Ordinal));
}
