using System.Text.Json.Nodes;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Administration;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Registration;
using Fabrix.Core.Registry.Requests;
using Google.Protobuf;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// The administrator's lane control behind <c>PolicyAdmin</c>: per-plugin lane limit overrides, operator grants and
/// contract provider preferences. Managing needs <c>admin</c> or <c>plugin_manager</c>; listing, any administrator
/// role. Every change is one transaction: the row (with who, when and why), the audit row, and a policy revision with
/// its <c>fabrix.policy.changed</c> outbox row (<see cref="PolicyChanges"/>), so the change reaches every lane as a
/// delta. The plugins a change names are locked (the lifecycle's per-plugin lock) so an uninstall cannot interleave.
/// </summary>
internal sealed class LaneControlAdministration(
    AdministratorAccess access,
    RequestArguments arguments,
    AuditLog audit,
    RegistryDatabase database,
    PolicyChanges changes)
{
    /// <summary>Upper bound of a rate (requests per second) and of a burst.</summary>
    public const double MaxRate = 1_000_000;

    /// <summary>Upper bound of a bandwidth quota, bytes per second (1 TB/s: beyond any link).</summary>
    public const long MaxBytesPerSecond = 1_000_000_000_000;

    public async Task<PluginLaneLimits> SetLimitsAsync(SetLaneLimitsRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.SetLaneLimits;
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, request.PluginId, cancellationToken);
        await arguments.RequireAsync(caller, Action, request.PluginId,
            [("plugin_id", RequestArguments.IdProblem(request.PluginId)), .. LimitProblems(request), ReasonCheck(request.Reason)], cancellationToken);

        return await audit.RecordFailuresAsync(caller, Action, request.PluginId, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await RequirePluginsAsync(transaction, caller, Action, request.PluginId, [request.PluginId], cancellationToken);
            var current = (await LaneControlStore.ReadLimitsAsync(transaction, [request.PluginId], cancellationToken)).GetValueOrDefault(request.PluginId)?.Limits
                ?? new LaneLimits();
            var next = current.Clone();
            switch (request.LaneCase)
            {
                case SetLaneLimitsRequest.LaneOneofCase.Operator:
                    next.Operator = request.Operator;
                    break;
                case SetLaneLimitsRequest.LaneOneofCase.Proxy:
                    next.Proxy = request.Proxy;
                    break;
                default:
                    next.Canonical = request.Canonical;
                    break;
            }

            var stored = await LaneControlStore.WriteLimitsAsync(transaction, request.PluginId, next, caller.Actor, request.Reason, cancellationToken);
            await changes.PluginChangedAsync(transaction, request.PluginId, null, "limits", caller.CorrelationId, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, Action, request.PluginId, request.Reason,
                new JsonObject { ["lane"] = LaneName(request.LaneCase), ["limits"] = Json(next) }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return stored ?? new PluginLaneLimits { PluginId = request.PluginId, Limits = new LaneLimits(), SetBy = caller.Actor, Reason = request.Reason };
        }, cancellationToken);
    }

    public async Task<ClearLaneLimitsResponse> ClearLimitsAsync(ClearLaneLimitsRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.ClearLaneLimits;
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, request.PluginId, cancellationToken);
        await arguments.RequireAsync(caller, Action, request.PluginId,
        [
            ("plugin_id", RequestArguments.IdProblem(request.PluginId)),
            ("lane", System.Enum.IsDefined(request.Lane) ? null : "Must be a lane (operator, canonical or proxy), or unset for every lane."),
            ReasonCheck(request.Reason),
        ], cancellationToken);

        return await audit.RecordFailuresAsync(caller, Action, request.PluginId, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await RequirePluginsAsync(transaction, caller, Action, request.PluginId, [request.PluginId], cancellationToken);
            var current = (await LaneControlStore.ReadLimitsAsync(transaction, [request.PluginId], cancellationToken)).GetValueOrDefault(request.PluginId);
            var next = current?.Limits.Clone() ?? new LaneLimits();
            switch (request.Lane)
            {
                case LaneKind.Operator:
                    next.Operator = null;
                    break;
                case LaneKind.Proxy:
                    next.Proxy = null;
                    break;
                case LaneKind.Canonical:
                    next.Canonical = null;
                    break;
                default:
                    next = new LaneLimits();
                    break;
            }

            // Clearing what is not set changes nothing and writes nothing (like setting a switch to its value).
            if (current is null || next.Equals(current.Limits))
            {
                await transaction.CommitAsync(cancellationToken);
                return new ClearLaneLimitsResponse { Remaining = current };
            }

            var stored = await LaneControlStore.WriteLimitsAsync(transaction, request.PluginId, next, caller.Actor, request.Reason, cancellationToken);
            await changes.PluginChangedAsync(transaction, request.PluginId, null, "limits", caller.CorrelationId, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, Action, request.PluginId, request.Reason,
                new JsonObject { ["lane"] = request.Lane == LaneKind.Unspecified ? "all" : LaneName(request.Lane) }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new ClearLaneLimitsResponse { Remaining = stored };
        }, cancellationToken);
    }

    public async Task<ListLaneLimitsResponse> ListLimitsAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(httpContext, AdminPermission.Read, AuditActions.ListLaneLimits, "limits", cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var response = new ListLaneLimitsResponse();
        response.Limits.Add((await LaneControlStore.ReadLimitsAsync(transaction, null, cancellationToken)).Values);
        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    public async Task<OperatorGrant> GrantAsync(GrantOperatorAccessRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.GrantOperatorAccess;
        var target = GrantTarget(request.Caller, request.Target);
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target,
        [
            ("caller", RequestArguments.IdProblem(request.Caller)),
            ("target", RequestArguments.IdProblem(request.Target)),
            ReasonCheck(request.Reason),
        ], cancellationToken);
        if (string.Equals(request.Caller, request.Target, StringComparison.Ordinal))
        {
            throw await audit.RefuseAsync(caller, Action, target, new Refusal(RefusalKind.InvalidArgument, RefusalCodes.SelfGrant,
                $"Plugin '{request.Caller}' cannot be granted access to itself.",
                [new FieldViolation("target", "Must differ from caller: a plugin needs no grant to reach itself.")]), null, cancellationToken);
        }

        return await audit.RecordFailuresAsync(caller, Action, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await RequirePluginsAsync(transaction, caller, Action, target, [request.Caller, request.Target], cancellationToken);
            if (await LaneControlStore.InsertGrantAsync(transaction, request.Caller, request.Target, caller.Actor, request.Reason, cancellationToken))
            {
                await changes.GrantChangedAsync(transaction, request.Caller, request.Target, caller.CorrelationId, cancellationToken);
                await AuditLog.SucceededAsync(transaction, caller, Action, target, request.Reason,
                    new JsonObject { ["caller"] = request.Caller, ["target"] = request.Target }, cancellationToken);
            }

            var stored = (await LaneControlStore.FindGrantAsync(transaction, request.Caller, request.Target, cancellationToken))!;
            await transaction.CommitAsync(cancellationToken);
            return stored;
        }, cancellationToken);
    }

    public async Task<RevokeOperatorAccessResponse> RevokeAsync(RevokeOperatorAccessRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.RevokeOperatorAccess;
        var target = GrantTarget(request.Caller, request.Target);
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target,
        [
            ("caller", RequestArguments.IdProblem(request.Caller)),
            ("target", RequestArguments.IdProblem(request.Target)),
            ReasonCheck(request.Reason),
        ], cancellationToken);

        return await audit.RecordFailuresAsync(caller, Action, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await LockAsync(transaction, [request.Caller, request.Target], cancellationToken);
            if (!await LaneControlStore.DeleteGrantAsync(transaction, request.Caller, request.Target, cancellationToken))
            {
                throw await audit.RefuseAsync(transaction, caller, Action, target, Refusal.Of(RefusalKind.NotFound, RefusalCodes.GrantNotFound,
                    $"There is no grant {request.Caller} -> {request.Target} to revoke."), null, cancellationToken);
            }

            await changes.GrantChangedAsync(transaction, request.Caller, request.Target, caller.CorrelationId, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, Action, target, request.Reason,
                new JsonObject { ["caller"] = request.Caller, ["target"] = request.Target }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new RevokeOperatorAccessResponse();
        }, cancellationToken);
    }

    public async Task<ListOperatorGrantsResponse> ListGrantsAsync(ListOperatorGrantsRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.ListOperatorGrants;
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Read, Action, "grants", cancellationToken);
        await arguments.RequireAsync(caller, Action, "grants",
            [("plugin_id", request.PluginId.Length == 0 ? null : RequestArguments.IdProblem(request.PluginId))], cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var response = new ListOperatorGrantsResponse();
        response.Grants.Add(await LaneControlStore.ReadGrantsAsync(transaction, request.PluginId.Length == 0 ? null : request.PluginId, cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    public async Task<ProviderPreference> SetPreferenceAsync(SetProviderPreferenceRequest request, HttpContext httpContext, CancellationToken cancellationToken)
    {
        const string Action = AuditActions.SetProviderPreference;
        var target = PreferenceTarget(request.Contract);
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target,
            [ContractCheck(request.Contract), ("plugin_id", RequestArguments.IdProblem(request.PluginId)), ReasonCheck(request.Reason)], cancellationToken);

        return await audit.RecordFailuresAsync(caller, Action, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            var plugin = (await RequirePluginsAsync(transaction, caller, Action, target, [request.PluginId], cancellationToken))[0];
            if (!plugin.Contracts.Contains(request.Contract, StringComparer.Ordinal))
            {
                throw await audit.RefuseAsync(transaction, caller, Action, target, Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.NotAProvider,
                    $"Plugin '{plugin.Id}' does not provide {request.Contract} (its pinned manifest declares: {string.Join(", ", plugin.Contracts)})."),
                    null, cancellationToken);
            }

            var stored = await LaneControlStore.UpsertPreferenceAsync(transaction, request.Contract, request.PluginId, caller.Actor, request.Reason, cancellationToken);
            await changes.PreferenceChangedAsync(transaction, request.Contract, caller.CorrelationId, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, Action, target, request.Reason,
                new JsonObject { ["contract"] = request.Contract, ["plugin_id"] = request.PluginId }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return stored;
        }, cancellationToken);
    }

    public async Task<ClearProviderPreferenceResponse> ClearPreferenceAsync(ClearProviderPreferenceRequest request, HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        const string Action = AuditActions.ClearProviderPreference;
        var target = PreferenceTarget(request.Contract);
        var caller = await access.AuthorizeAsync(httpContext, AdminPermission.Manage, Action, target, cancellationToken);
        await arguments.RequireAsync(caller, Action, target, [ContractCheck(request.Contract), ReasonCheck(request.Reason)], cancellationToken);

        return await audit.RecordFailuresAsync(caller, Action, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            if (!await LaneControlStore.DeletePreferenceAsync(transaction, request.Contract, cancellationToken))
            {
                throw await audit.RefuseAsync(transaction, caller, Action, target, Refusal.Of(RefusalKind.NotFound, RefusalCodes.PreferenceNotFound,
                    $"The contract {request.Contract} has no preferred provider to clear."), null, cancellationToken);
            }

            await changes.PreferenceChangedAsync(transaction, request.Contract, caller.CorrelationId, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, Action, target, request.Reason, new JsonObject { ["contract"] = request.Contract }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new ClearProviderPreferenceResponse();
        }, cancellationToken);
    }

    public async Task<ListProviderPreferencesResponse> ListPreferencesAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(httpContext, AdminPermission.Read, AuditActions.ListProviderPreferences, "preferences", cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var response = new ListProviderPreferencesResponse();
        response.Preferences.Add(await LaneControlStore.ReadPreferencesAsync(transaction, null, cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    /// <summary>The audit target of a grant: <c>grant:&lt;caller&gt;-&gt;&lt;target&gt;</c>.</summary>
    public static string GrantTarget(string caller, string target) => $"grant:{caller}->{target}";

    /// <summary>The audit target of a provider preference: <c>contract:&lt;name&gt;</c>.</summary>
    public static string PreferenceTarget(string contract) => $"contract:{contract}";

    /// <summary>The field problems of a limits request, with field paths such as <c>proxy.bytes_per_second</c>.</summary>
    public static IEnumerable<(string Field, string? Problem)> LimitProblems(SetLaneLimitsRequest request)
    {
        switch (request.LaneCase)
        {
            case SetLaneLimitsRequest.LaneOneofCase.Operator:
                var operatorLimits = request.Operator;
                yield return ("operator.requests_per_second", operatorLimits.HasRequestsPerSecond ? RateProblem(operatorLimits.RequestsPerSecond) : null);
                yield return ("operator.burst", operatorLimits.HasBurst ? BurstProblem(operatorLimits.Burst) : null);
                break;
            case SetLaneLimitsRequest.LaneOneofCase.Proxy:
                var proxy = request.Proxy;
                yield return ("proxy.requests_per_second", proxy.HasRequestsPerSecond ? RateProblem(proxy.RequestsPerSecond) : null);
                yield return ("proxy.burst", proxy.HasBurst ? BurstProblem(proxy.Burst) : null);
                yield return ("proxy.bytes_per_second", proxy.HasBytesPerSecond && proxy.BytesPerSecond is < 1 or > MaxBytesPerSecond
                    ? $"Must be between 1 and {MaxBytesPerSecond} (was {proxy.BytesPerSecond})."
                    : null);
                yield return ("proxy.mode", System.Enum.IsDefined(proxy.Mode) ? null : "Must be enforce, report, or unset for the lane's default.");
                break;
            case SetLaneLimitsRequest.LaneOneofCase.Canonical:
                var canonical = request.Canonical;
                yield return ("canonical.publish_requests_per_second", canonical.HasPublishRequestsPerSecond ? RateProblem(canonical.PublishRequestsPerSecond) : null);
                yield return ("canonical.publish_burst", canonical.HasPublishBurst ? BurstProblem(canonical.PublishBurst) : null);
                break;
            default:
                yield return ("lane", "Must carry the limits of one lane: operator, proxy or canonical.");
                break;
        }
    }

    private static string? RateProblem(double rate) =>
        double.IsFinite(rate) && rate > 0 && rate <= MaxRate ? null : $"Must be more than 0 and at most {MaxRate} requests per second (was {rate}).";

    private static string? BurstProblem(int burst) => burst is >= 1 and <= (int)MaxRate ? null : $"Must be between 1 and {MaxRate} (was {burst}).";

    private static (string, string?) ReasonCheck(string reason) =>
        ("reason", string.IsNullOrWhiteSpace(reason) ? "A reason is required." : RequestArguments.ReasonProblem(reason));

    private static (string, string?) ContractCheck(string contract) =>
        ("contract", ManifestVocabulary.Contracts.Contains(contract, StringComparer.Ordinal)
            ? null
            : $"Must be a contract of the manifest vocabulary ({string.Join(", ", ManifestVocabulary.Contracts)}).");

    private static string LaneName(SetLaneLimitsRequest.LaneOneofCase lane) => lane switch
    {
        SetLaneLimitsRequest.LaneOneofCase.Operator => "operator",
        SetLaneLimitsRequest.LaneOneofCase.Proxy => "proxy",
        _ => "canonical",
    };

    private static string LaneName(LaneKind lane) => lane switch
    {
        LaneKind.Operator => "operator",
        LaneKind.Proxy => "proxy",
        _ => "canonical",
    };

    private static JsonNode? Json(LaneLimits limits) => JsonNode.Parse(JsonFormatter.Default.Format(limits));

    /// <summary>Locks the plugins (sorted, so two changes naming the same pair never deadlock) and returns them, or refuses NOT_FOUND.</summary>
    private async Task<IReadOnlyList<PluginRecord>> RequirePluginsAsync(RegistryTransaction transaction, Caller caller, string action, string target,
        IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        await LockAsync(transaction, ids, cancellationToken);
        var found = new List<PluginRecord>();
        foreach (var id in ids)
        {
            found.Add(await PluginStore.FindAsync(transaction, id, forUpdate: false, cancellationToken)
                ?? throw await audit.RefuseAsync(transaction, caller, action, target, Refusal.PluginNotFound(id), new JsonObject { ["plugin_id"] = id },
                    cancellationToken));
        }

        return found;
    }

    private static async Task LockAsync(RegistryTransaction transaction, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        foreach (var id in ids.Order(StringComparer.Ordinal).Distinct(StringComparer.Ordinal))
        {
            await transaction.LockAsync(PluginRegistration.LockKey(id), cancellationToken);
        }
    }
}
