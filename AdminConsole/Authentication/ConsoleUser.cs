using System.Security.Claims;
using Fabrix.Contracts.Identity;

namespace Fabrix.AdminConsole.Authentication;

/// <summary>
/// The signed-in administrator as the console sees it: a display name and the administrator roles the identity
/// carries. Roles are read from every claim type they arrive under: <c>roles</c> (development cookie, raw Entra
/// tokens), the identity's own role claim type, and <see cref="ClaimTypes.Role"/> (Entra after claim mapping).
/// </summary>
internal sealed record ConsoleUser(string Name, IReadOnlyList<string> Roles)
{
    public static ConsoleUser Anonymous { get; } = new(string.Empty, []);

    public bool IsAuthenticated => Name.Length > 0;

    public bool CanRead => AdminRoles.CanRead(Roles);

    public bool CanManagePlugins => AdminRoles.CanManagePlugins(Roles);

    public bool CanReadAudit => Roles.Any(r => ConsolePolicies.AuditReaderRoles.Contains(r, StringComparer.Ordinal));

    public static ConsoleUser From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true } identity)
        {
            return Anonymous;
        }

        var roleTypes = new HashSet<string>(StringComparer.Ordinal) { DevelopmentAdminToken.RolesClaim, ClaimTypes.Role };
        foreach (var claimsIdentity in principal.Identities)
        {
            roleTypes.Add(claimsIdentity.RoleClaimType);
        }

        var held = principal.Claims.Where(c => roleTypes.Contains(c.Type)).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var roles = AdminRoles.All.Where(held.Contains).ToArray();
        var name = identity.Name
            ?? principal.FindFirst("preferred_username")?.Value
            ?? principal.FindFirst("name")?.Value
            ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value
            ?? "administrator";
        return new ConsoleUser(name, roles);
    }
}
