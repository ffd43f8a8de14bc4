using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Errors;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Who may read the audit log: <c>audit_viewer</c> or <c>admin</c> (issue 3 section 4: the Audit page is for those two
/// roles), and no other administrator role — <c>plugin_manager</c> or <c>config_manager</c> alone are refused.
/// Authentication and the any-administrator check are the administrator API's own
/// (<see cref="AdministratorAccess"/>); the audit role check comes on top. Every refusal is audited.
/// </summary>
internal sealed class AuditAccess(AdministratorAccess administrators, AuditLog audit)
{
    /// <summary>The target named by audit rows about the audit log itself.</summary>
    public const string Target = "audit_log";

    public static IReadOnlyList<string> Readers { get; } = [AdminRoles.Admin, AdminRoles.AuditViewer];

    public static bool CanRead(IEnumerable<string> roles) => roles.Any(r => Readers.Contains(r, StringComparer.Ordinal));

    public async Task<Caller> AuthorizeAsync(HttpContext httpContext, string action, CancellationToken cancellationToken)
    {
        var caller = await administrators.AuthorizeAsync(httpContext, AdminPermission.Read, action, Target, cancellationToken, Readers);
        if (!CanRead(caller.Roles))
        {
            throw await audit.RefuseAsync(caller, action, Target,
                Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.MissingRole,
                    $"{caller.Actor} (roles: {string.Join(", ", caller.Roles)}) may not read the audit log: it requires one of {string.Join(", ", Readers)}."),
                new JsonObject { ["roles"] = new JsonArray([.. caller.Roles.Select(r => (JsonNode)r)]) }, cancellationToken);
        }

        return caller;
    }
}
