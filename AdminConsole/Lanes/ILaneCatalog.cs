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

    /// <summary>Every operator grant.</summary>
    Task<IReadOnlyList<OperatorGrant>> ListGrantsAsync(CancellationToken cancellationToken);

    /// <summary>Grants caller → target (<c>admin</c> or <c>plugin_manager</c>).</summary>
    Task<OperatorGrant> GrantAsync(string caller, string target, string reason, CancellationToken cancellationToken);

    /// <summary>Revokes a grant (<c>admin</c> or <c>plugin_manager</c>).</summary>
    Task RevokeAsync(string caller, string target, string reason, CancellationToken cancellationToken);

    /// <summary>Every plugin's lane limit overrides.</summary>
    Task<IReadOnlyList<PluginLaneLimits>> ListLimitsAsync(CancellationToken cancellationToken);

    /// <summary>Sets a plugin's Operator lane override (<c>admin</c> or <c>plugin_manager</c>).</summary>
    Task<PluginLaneLimits> SetOperatorLimitsAsync(string pluginId, OperatorLaneLimits limits, string reason, CancellationToken cancellationToken);

    /// <summary>Clears a plugin's Operator lane override.</summary>
    Task ClearOperatorLimitsAsync(string pluginId, string reason, CancellationToken cancellationToken);

    /// <summary>Operator lane calls per caller → target over the last <paramref name="windowSeconds"/> (from the decision audit).</summary>
    Task<GetOperatorTrafficResponse> GetTrafficAsync(int windowSeconds, CancellationToken cancellationToken);

    /// <summary>The most recent refused Operator lane calls, newest first.</summary>
    Task<IReadOnlyList<OperatorRefusal>> ListRefusalsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Who may call a plugin on the Operator lane and whom it may call.</summary>
    Task<GetOperatorReachResponse> GetReachAsync(string pluginId, CancellationToken cancellationToken);
}
