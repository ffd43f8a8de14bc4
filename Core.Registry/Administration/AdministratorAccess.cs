using System.Security.Claims;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Fabrix.Core.Registry.Administration;

/// <summary>What an administrator call needs.</summary>
internal enum AdminPermission
{
    /// <summary>Any of the four administrator roles.</summary>
    Read,

    /// <summary><c>admin</c> or <c>plugin_manager</c>.</summary>
    Manage,
}

/// <summary>
/// Authenticates and authorizes administrator calls inside the service (issue 2: "enforced in the service"), so a
/// refusal is audited like any other: no or bad token → UNAUTHENTICATED, missing role → PERMISSION_DENIED.
/// Authentication uses the <see cref="Scheme"/> scheme: Entra ID (Microsoft.Identity.Web) when <c>AzureAd:ClientId</c>
/// is set, otherwise development tokens in Development when <c>Fabrix:DevAdmin:KeyFile</c> is set, otherwise none
/// (every administrator call is refused).
/// </summary>
internal sealed class AdministratorAccess(IAuthenticationSchemeProvider schemes, IAuthorizationService authorization, AuditLog audit)
{
    public const string Scheme = "Administrator";
    public const string ReadPolicy = "registry.read";
    public const string ManagePolicy = "registry.manage";

    // allowedRoles: the roles that may really do the action, named in the refusal when narrower than the permission's
    // (the audit log: admin and audit_viewer only, issue 7 section 9); null names the permission's roles.
    public async Task<Caller> AuthorizeAsync(HttpContext httpContext, AdminPermission permission, string action, string target, CancellationToken cancellationToken,
        IReadOnlyList<string>? allowedRoles = null)
    {
        var principal = await AuthenticateAsync(httpContext);
        if (principal is null)
        {
            throw await audit.RefuseAsync(Caller.Anonymous(), action, target,
                Refusal.Of(RefusalKind.Unauthenticated, RefusalCodes.Unauthenticated, "A valid administrator bearer token is required."),
                null, cancellationToken);
        }

        var roles = RolesOf(principal);
        var caller = Caller.Administrator(principal, roles);
        var policy = permission == AdminPermission.Manage ? ManagePolicy : ReadPolicy;
        var result = await authorization.AuthorizeAsync(principal, policy);
        if (!result.Succeeded)
        {
            var required = allowedRoles ?? (permission == AdminPermission.Manage ? AdminRoles.LifecycleManagers : AdminRoles.All);
            throw await audit.RefuseAsync(caller, action, target,
                Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.MissingRole,
                    $"{caller.Actor} (roles: {(roles.Count == 0 ? "none" : string.Join(", ", roles))}) may not {action}: it requires one of {string.Join(", ", required)}."),
                new JsonObject { ["roles"] = new JsonArray([.. roles.Select(r => (JsonNode)r)]) }, cancellationToken);
        }

        return caller;
    }

    /// <summary>Role values from Entra ID (<c>roles</c>), development tokens (<c>roles</c>) or mapped role claims.</summary>
    public static IReadOnlyList<string> RolesOf(ClaimsPrincipal principal) =>
    [
        .. principal.Claims
            .Where(c => c.Type is DevelopmentAdminToken.RolesClaim or ClaimTypes.Role
                        || (c.Subject is { } identity && string.Equals(c.Type, identity.RoleClaimType, StringComparison.Ordinal)))
            .Select(c => c.Value)
            .Distinct(StringComparer.Ordinal),
    ];

    private async Task<ClaimsPrincipal?> AuthenticateAsync(HttpContext httpContext)
    {
        if (await schemes.GetSchemeAsync(Scheme) is null)
        {
            return null;
        }

        var result = await httpContext.AuthenticateAsync(Scheme);
        return result.Succeeded ? result.Principal : null;
    }
}
