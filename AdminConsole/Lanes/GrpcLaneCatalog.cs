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
}
