using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Requests;
using Grpc.Core;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// <c>fabrix.policy.v1.PolicyAdmin</c>. Lane limits, grants and provider preferences are <see cref="LaneControlAdministration"/>'s;
/// lane status is <see cref="LaneStatusBoard"/>'s. Here: the global switches (egress kill switch, lane on/off). Setting one needs the
/// <c>admin</c> role; listing, any administrator role. A change is one transaction: the switch row (with who set it,
/// when and why), the policy revision and its <c>fabrix.policy.changed</c> outbox row, and the audit row
/// (<c>policy.switch.set</c>, target <c>switch:&lt;name&gt;</c>). Setting a switch to its current value changes nothing
/// and writes nothing.
/// </summary>
internal sealed class PolicyAdminService(
    AdministratorAccess access,
    RequestArguments arguments,
    AuditLog audit,
    RegistryDatabase database,
    PolicyChanges changes,
    LaneControlAdministration control,
    LaneStatusBoard lanes,
    OperatorTraffic traffic,
    OperatorReach reach,
    DenyListAdministration denyList) : PolicyAdmin.PolicyAdminBase
{
    public override async Task<PolicySwitch> SetPolicySwitch(SetPolicySwitchRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var known = PolicySwitches.IsKnown(request.Name);
        var target = known ? $"switch:{PolicySwitches.ToDatabase(request.Name)}" : "switch";
        var caller = await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Manage, PolicyActions.SetSwitch, target, cancellationToken,
            [AdminRoles.Admin]);
        if (!caller.Roles.Contains(AdminRoles.Admin, StringComparer.Ordinal))
        {
            throw await audit.RefuseAsync(caller, PolicyActions.SetSwitch, target,
                Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.MissingRole,
                    $"{caller.Actor} (roles: {string.Join(", ", caller.Roles)}) may not {PolicyActions.SetSwitch}: it requires the role {AdminRoles.Admin}."),
                new JsonObject { ["roles"] = new JsonArray([.. caller.Roles.Select(r => (JsonNode)r)]) }, cancellationToken);
        }

        await arguments.RequireAsync(caller, PolicyActions.SetSwitch, target,
        [
            ("name", known ? null : "Must name a policy switch (egress kill switch or a lane)."),
            ("reason", string.IsNullOrWhiteSpace(request.Reason) ? "A reason is required." : RequestArguments.ReasonProblem(request.Reason)),
        ], cancellationToken);

        var name = PolicySwitches.ToDatabase(request.Name);
        return await audit.RecordFailuresAsync(caller, PolicyActions.SetSwitch, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            if (await PolicyStore.SetSwitchAsync(transaction, name, request.On, caller.Actor, request.Reason, cancellationToken))
            {
                await changes.SwitchChangedAsync(transaction, name, caller.CorrelationId, cancellationToken);
                await AuditLog.AppendAsync(transaction, new AuditEntry(caller.Actor, PolicyActions.SetSwitch, target, AuditOutcome.Succeeded,
                    request.Reason, caller.CorrelationId, new JsonObject { ["on"] = request.On }), cancellationToken);
            }

            var stored = (await PolicyStore.ReadSwitchesAsync(transaction, [name], cancellationToken))[0];
            await transaction.CommitAsync(cancellationToken);
            return stored;
        }, cancellationToken);
    }

    public override async Task<ListPolicySwitchesResponse> ListPolicySwitches(ListPolicySwitchesRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        await access.AuthorizeAsync(context.GetHttpContext(), AdminPermission.Read, PolicyActions.ListSwitches, "switch", cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var response = new ListPolicySwitchesResponse();
        response.Switches.Add(await PolicyStore.ReadSwitchesAsync(transaction, null, cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    public override Task<PluginLaneLimits> SetLaneLimits(SetLaneLimitsRequest request, ServerCallContext context) =>
        control.SetLimitsAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ClearLaneLimitsResponse> ClearLaneLimits(ClearLaneLimitsRequest request, ServerCallContext context) =>
        control.ClearLimitsAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ListLaneLimitsResponse> ListLaneLimits(ListLaneLimitsRequest request, ServerCallContext context) =>
        control.ListLimitsAsync(context.GetHttpContext(), context.CancellationToken);

    public override Task<OperatorGrant> GrantOperatorAccess(GrantOperatorAccessRequest request, ServerCallContext context) =>
        control.GrantAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<RevokeOperatorAccessResponse> RevokeOperatorAccess(RevokeOperatorAccessRequest request, ServerCallContext context) =>
        control.RevokeAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ListOperatorGrantsResponse> ListOperatorGrants(ListOperatorGrantsRequest request, ServerCallContext context) =>
        control.ListGrantsAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ProviderPreference> SetProviderPreference(SetProviderPreferenceRequest request, ServerCallContext context) =>
        control.SetPreferenceAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ClearProviderPreferenceResponse> ClearProviderPreference(ClearProviderPreferenceRequest request, ServerCallContext context) =>
        control.ClearPreferenceAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ListProviderPreferencesResponse> ListProviderPreferences(ListProviderPreferencesRequest request, ServerCallContext context) =>
        control.ListPreferencesAsync(context.GetHttpContext(), context.CancellationToken);

    public override Task<ListLaneStatusResponse> ListLaneStatus(ListLaneStatusRequest request, ServerCallContext context) =>
        lanes.ListAsync(context.GetHttpContext(), context.CancellationToken);

    public override Task<GetOperatorTrafficResponse> GetOperatorTraffic(GetOperatorTrafficRequest request, ServerCallContext context) =>
        traffic.GetTrafficAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ListOperatorRefusalsResponse> ListOperatorRefusals(ListOperatorRefusalsRequest request, ServerCallContext context) =>
        traffic.ListRefusalsAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<GetOperatorReachResponse> GetOperatorReach(GetOperatorReachRequest request, ServerCallContext context) =>
        reach.GetAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<DeniedDomain> AddDeniedDomain(AddDeniedDomainRequest request, ServerCallContext context) =>
        denyList.AddAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<RemoveDeniedDomainResponse> RemoveDeniedDomain(RemoveDeniedDomainRequest request, ServerCallContext context) =>
        denyList.RemoveAsync(request, context.GetHttpContext(), context.CancellationToken);

    public override Task<ListDeniedDomainsResponse> ListDeniedDomains(ListDeniedDomainsRequest request, ServerCallContext context) =>
        denyList.ListAsync(context.GetHttpContext(), context.CancellationToken);
}
