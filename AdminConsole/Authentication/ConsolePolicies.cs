using Fabrix.Contracts.Identity;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>Authorization policies of the console; they mirror the registry's own role checks (AdminRoles).</summary>
internal static class ConsolePolicies
{
    /// <summary>Any administrator role: enough to read. Required by every page.</summary>
    public const string Administrator = "fabrix-administrator";

    /// <summary><c>admin</c> or <c>plugin_manager</c>: install, enable, disable, unregister, uninstall.</summary>
    public const string PluginManager = "fabrix-plugin-manager";

    /// <summary><c>admin</c> or <c>audit_viewer</c>: the audit page and its export. The registry's AuditLog service allows the same.</summary>
    public const string AuditReader = "fabrix-audit-reader";

    /// <summary>Roles that may read the audit log (registry.proto's <c>AuditLog</c>: "Roles: audit_viewer or admin").</summary>
    public static IReadOnlyList<string> AuditReaderRoles { get; } = [AdminRoles.Admin, AdminRoles.AuditViewer];

    public static void AddConsolePolicies(this Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(Administrator, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => AdminRoles.CanRead(ConsoleUser.From(context.User).Roles)));
        options.AddPolicy(PluginManager, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => AdminRoles.CanManagePlugins(ConsoleUser.From(context.User).Roles)));
        options.AddPolicy(AuditReader, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => ConsoleUser.From(context.User).CanReadAudit));
    }
}
