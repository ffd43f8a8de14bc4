using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Requests;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// Who may call a plugin on the Operator lane and whom it may call (issue 10 section 6, plugin detail), from the same
/// facts the lanes decide on: the pinned manifests' <c>dependencies</c>, the administrators' grants, and the trait
/// rule (a <c>handles_phi</c> target is reachable only by <c>handles_phi</c> callers; issue 10 section 2). Lifecycle
/// state and endpoints are the gateway's per-call checks and are shown, not folded in: a relation here says the call
/// is permitted in principle. Any administrator role may read; refusals of the read are audited.
/// </summary>
internal sealed class OperatorReach(AdministratorAccess access, RequestArguments arguments, AuditLog audit, RegistryDatabase database)
{
    public const string Action = "policy.reach.read";

    public async Task<GetOperatorReachResponse> GetAsync(GetOperatorReachRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Read, Action, request.PluginId, cancellationToken);
        await arguments.RequireIdAsync(caller, Action, "plugin_id", request.PluginId, cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var snapshot = await PolicyStore.ReadSnapshotAsync(transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Of(request.PluginId, snapshot.Plugins, snapshot.Grants)
            ?? throw await audit.RefuseAsync(caller, Action, request.PluginId, Refusal.PluginNotFound(request.PluginId), null, cancellationToken);
    }

    /// <summary>The reach of <paramref name="pluginId"/> among <paramref name="plugins"/>, or null when it is not one of them.</summary>
    public static GetOperatorReachResponse? Of(string pluginId, IReadOnlyList<PolicyPlugin> plugins, IReadOnlyList<OperatorGrant> grants)
    {
        var byId = plugins.ToDictionary(p => p.Id, StringComparer.Ordinal);
        if (!byId.TryGetValue(pluginId, out var plugin))
        {
            return null;
        }

        var phi = HandlesPhi(plugin);
        var response = new GetOperatorReachResponse { PluginId = pluginId, HandlesPhi = phi };

        var callers = plugins.Where(p => p.Id != pluginId && p.Dependencies.Contains(pluginId)).Select(p => p.Id)
            .Concat(grants.Where(g => g.Target == pluginId).Select(g => g.Caller))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var id in callers)
        {
            var other = byId.GetValueOrDefault(id);
            response.Callers.Add(Entry(id, other, other?.Dependencies.Contains(pluginId) == true,
                grants.FirstOrDefault(g => g.Caller == id && g.Target == pluginId), traitAllows: !phi || (other is not null && HandlesPhi(other))));
        }

        var callees = plugin.Dependencies.Where(id => id != pluginId)
            .Concat(grants.Where(g => g.Caller == pluginId).Select(g => g.Target))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var id in callees)
        {
            var other = byId.GetValueOrDefault(id);
            response.Callees.Add(Entry(id, other, plugin.Dependencies.Contains(id),
                grants.FirstOrDefault(g => g.Caller == pluginId && g.Target == id), traitAllows: other is null || !HandlesPhi(other) || phi));
        }

        return response;
    }

    private static OperatorReachEntry Entry(string id, PolicyPlugin? other, bool byDependency, OperatorGrant? grant, bool traitAllows) => new()
    {
        PluginId = id,
        Installed = other is not null,
        Status = other?.Status ?? Contracts.Registry.V1.PluginStatus.Unspecified,
        ByDependency = byDependency,
        Grant = grant,
        HandlesPhi = other is not null && HandlesPhi(other),
        TraitAllows = traitAllows,
    };

    private static bool HandlesPhi(PolicyPlugin plugin) => plugin.Traits.Contains(ManifestVocabulary.Traits.HandlesPhi);
}
