using Fabrix.Contracts.Policy.V1;

namespace Fabrix.AdminConsole.Lanes;

/// <summary>
/// The registry's lane control (<c>PolicyAdmin</c>) on behalf of the signed-in administrator: lane status, the global
/// switches, operator grants and per-plugin lane limits. The registry enforces the roles; failures surface as
/// <see cref="Registry.RegistryException"/>.
/// </summary>
internal interface ILaneCatalog
{
    /// <summary>Every lane instance's latest status report, with the registry's revision and decision-ingest backlog.</summary>
    Task<ListLaneStatusResponse> ListStatusAsync(CancellationToken cancellationToken);

    /// <summary>Every global switch with who set it, when and why.</summary>
    Task<IReadOnlyList<PolicySwitch>> ListSwitchesAsync(CancellationToken cancellationToken);

    /// <summary>Sets a switch (role <c>admin</c>); answers it as stored.</summary>
    Task<PolicySwitch> SetSwitchAsync(PolicySwitchName name, bool on, string reason, CancellationToken cancellationToken);
}
