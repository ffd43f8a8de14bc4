using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Policy.V1;

namespace Fabrix.AdminConsole.Lanes;

/// <summary><see cref="ILaneCatalog"/> over the registry's <c>PolicyAdmin</c> gRPC service, with the administrator's bearer token.</summary>
internal sealed class GrpcLaneCatalog(PolicyAdmin.PolicyAdminClient client, RegistryCalls calls) : ILaneCatalog
{
    public Task<ListLaneStatusResponse> ListStatusAsync(CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.ListLaneStatusAsync(new ListLaneStatusRequest(), options).ResponseAsync, cancellationToken);

    public async Task<IReadOnlyList<PolicySwitch>> ListSwitchesAsync(CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListPolicySwitchesAsync(new ListPolicySwitchesRequest(), options).ResponseAsync, cancellationToken)).Switches;

    public Task<PolicySwitch> SetSwitchAsync(PolicySwitchName name, bool on, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.SetPolicySwitchAsync(new SetPolicySwitchRequest { Name = name, On = on, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public async Task<IReadOnlyList<OperatorGrant>> ListGrantsAsync(CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListOperatorGrantsAsync(new ListOperatorGrantsRequest(), options).ResponseAsync, cancellationToken)).Grants;

    public Task<OperatorGrant> GrantAsync(string caller, string target, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.GrantOperatorAccessAsync(new GrantOperatorAccessRequest { Caller = caller, Target = target, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task RevokeAsync(string caller, string target, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.RevokeOperatorAccessAsync(new RevokeOperatorAccessRequest { Caller = caller, Target = target, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public async Task<IReadOnlyList<PluginLaneLimits>> ListLimitsAsync(CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListLaneLimitsAsync(new ListLaneLimitsRequest(), options).ResponseAsync, cancellationToken)).Limits;

    public Task<PluginLaneLimits> SetOperatorLimitsAsync(string pluginId, OperatorLaneLimits limits, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = pluginId, Operator = limits, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task ClearOperatorLimitsAsync(string pluginId, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.ClearLaneLimitsAsync(new ClearLaneLimitsRequest { PluginId = pluginId, Lane = LaneKind.Operator, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task<GetOperatorTrafficResponse> GetTrafficAsync(int windowSeconds, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.GetOperatorTrafficAsync(new GetOperatorTrafficRequest { WindowSeconds = windowSeconds }, options).ResponseAsync,
            cancellationToken);

    public async Task<IReadOnlyList<OperatorRefusal>> ListRefusalsAsync(int limit, CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(
            options => client.ListOperatorRefusalsAsync(new ListOperatorRefusalsRequest { Limit = limit }, options).ResponseAsync,
            cancellationToken)).Refusals;

    public Task<GetOperatorReachResponse> GetReachAsync(string pluginId, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.GetOperatorReachAsync(new GetOperatorReachRequest { PluginId = pluginId }, options).ResponseAsync,
            cancellationToken);
}
