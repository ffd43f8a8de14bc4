using Fabrix.Contracts.Identity;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>Authorization policies of the console; they mirror the registry's own role checks (AdminRoles).</summary>
internal static class ConsolePolicies
{
    /// <summary>Any administrator role: enough to read. Required by every page.</summary>
    public const string Administrator = "fabrix-administrator";

    /// <summary><c>admin</c> or <c>plugin_manager</c>: install, enable, disable, unregister, uninstall.</summary>
    public const string PluginManager = "fabrix-plugin-manager";

    public static void AddConsolePolicies(this Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(Administrator, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => AdminRoles.CanRead(ConsoleUser.From(context.User).Roles)));
        options.AddPolicy(PluginManager, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => AdminRoles.CanManagePlugins(ConsoleUser.From(context.User).Roles)));
    }
}
