using System.Text.Json.Nodes;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Lanes.Egress;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Requests;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// The Proxy lane's global deny list behind <c>PolicyAdmin</c> (issue 12 section 1). A pattern is a host name or
/// <c>*.suffix</c>, validated and normalised by the lanes' own <see cref="DomainPattern"/> (so the registry stores
/// exactly what the proxy matches). Adding or removing needs <c>admin</c> or <c>plugin_manager</c>, like the other lane
/// control: a deny-list entry only narrows egress, so it is not a hard stop like the kill switch; listing needs any
/// administrator role. Every change is one transaction: the row (who, when, why), the audit row
/// (<c>policy.deny.add</c> / <c>policy.deny.remove</c>, target <c>deny:&lt;pattern&gt;</c>) and a policy revision.
/// </summary>
internal sealed class DenyListAdministration(
    AdministratorAccess access,
    RequestArguments arguments,
    AuditLog audit,
    RegistryDatabase database,
    PolicyChanges changes)
{
    /// <summary>The longest pattern accepted (a DNS name is at most 253 characters, plus <c>*.</c>).</summary>
    public const int MaxPatternLength = 255;

    public async Task<DeniedDomain> AddAsync(AddDeniedDomainRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.AddDeniedDomain;
        var pattern = Normalize(request.Pattern);
        var target = Target(pattern ?? request.Pattern);
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target, [PatternCheck(request.Pattern, pattern), ReasonCheck(request.Reason)], cancellationToken);

        return await audit.RecordFailuresAsync(caller, Action, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            if (await DenyListStore.InsertAsync(transaction, pattern!, caller.Actor, request.Reason, cancellationToken))
            {
                await changes.DeniedDomainChangedAsync(transaction, pattern!, caller.CorrelationId, cancellationToken);
                await AuditLog.SucceededAsync(transaction, caller, Action, target, request.Reason, new JsonObject { ["pattern"] = pattern }, cancellationToken);
            }

            var stored = (await DenyListStore.ReadAsync(transaction, [pattern!], cancellationToken))[0];
            await transaction.CommitAsync(cancellationToken);
            return stored;
        }, cancellationToken);
    }

    public async Task<RemoveDeniedDomainResponse> RemoveAsync(RemoveDeniedDomainRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.RemoveDeniedDomain;
        var pattern = Normalize(request.Pattern);
        var target = Target(pattern ?? request.Pattern);
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target, [PatternCheck(request.Pattern, pattern), ReasonCheck(request.Reason)], cancellationToken);

        return await audit.RecordFailuresAsync(caller, Action, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            if (!await DenyListStore.DeleteAsync(transaction, pattern!, cancellationToken))
            {
                throw await audit.RefuseAsync(transaction, caller, Action, target, Refusal.Of(RefusalKind.NotFound, RefusalCodes.DeniedDomainNotFound,
                    $"'{pattern}' is not on the egress deny list."), null, cancellationToken);
            }

            await changes.DeniedDomainChangedAsync(transaction, pattern!, caller.CorrelationId, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, Action, target, request.Reason, new JsonObject { ["pattern"] = pattern }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new RemoveDeniedDomainResponse();
        }, cancellationToken);
    }

    public async Task<ListDeniedDomainsResponse> ListAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(httpContext, AdminPermission.Read, AuditActions.ListDeniedDomains, "deny", cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var response = new ListDeniedDomainsResponse();
        response.DeniedDomains.Add(await DenyListStore.ReadAsync(transaction, null, cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    /// <summary>The audit target of a deny-list entry: <c>deny:&lt;pattern&gt;</c>.</summary>
    public static string Target(string pattern) => "deny:" + (pattern.Length <= MaxPatternLength ? pattern : pattern[..MaxPatternLength]);

    private static string? Normalize(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern) || pattern.Length > MaxPatternLength)
        {
            return null;
        }

        // An IP literal is never a domain pattern: the proxy classifies addresses, it does not match them by name.
        var parsed = DomainPattern.Parse(pattern.Trim());
        return parsed is null || System.Net.IPAddress.TryParse(parsed.Name, out _) ? null : parsed.ToString();
    }

    private static (string, string?) PatternCheck(string raw, string? normalized) =>
        ("pattern", normalized is not null
            ? null
            : string.IsNullOrWhiteSpace(raw)
                ? "A pattern is required."
                : $"Must be a host name (api.example.com) or a *.suffix pattern (*.example.com) of at most {MaxPatternLength} characters; IP addresses are not patterns.");

    private static (string, string?) ReasonCheck(string reason) =>
        ("reason", string.IsNullOrWhiteSpace(reason) ? "A reason is required." : RequestArguments.ReasonProblem(reason));
}
