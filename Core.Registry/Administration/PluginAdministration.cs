using System.Text.Json.Nodes;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Registration;

namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// The administrator side of the registry: install (approve a manifest), uninstall, enable, disable, unregister,
/// read. Callers are already authorized (<see cref="AdministratorAccess"/>). Every change is audited in its
/// transaction; every refusal in its own.
/// </summary>
internal sealed class PluginAdministration(
    RegistryDatabase database,
        PluginProjection projection,
    LifecycleJournal journal,
        AuditLog audit)
{
    public Task<InstallPluginResponse> InstallAsync(string manifestJson, bool enableOnRegister, Caller caller, CancellationToken cancellationToken)
    {
        var target = ManifestIds.Of(manifestJson);
        return audit.RecordFailuresAsync(caller, AuditActions.Install, target, async () =>
        {
            var validation = ManifestValidator.Validate(manifestJson);
            if (validation.Manifest is not { } manifest)
            {
                throw await audit.RefuseAsync(caller, AuditActions.Install, target,
                    Refusal.Invalid($"The manifest is invalid: {validation.Errors.Count} error(s).",
                        [.. validation.Errors.Select(e => new FieldViolation(e.Path, e.Message))]),
                    null, cancellationToken);
            }

            var digest = ManifestDigest.Compute(manifestJson);
            await using var transaction = await database.BeginAsync(cancellationToken);
            await transaction.LockAsync(PluginRegistration.LockKey(manifest.Id), cancellationToken);
            var existing = await PluginStore.FindAsync(transaction, manifest.Id, forUpdate: true, cancellationToken);
            var from = existing?.Status ?? PluginState.NotInstalled;
            var decision = PluginLifecycle.Decide(from, LifecycleTrigger.Install);
            if (!decision.IsAllowed)
            {
                var sameContent = string.Equals(existing!.ManifestDigest, digest, StringComparison.Ordinal);
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Install, manifest.Id,
                    Refusal.Of(RefusalKind.AlreadyExists, RefusalCodes.AlreadyInstalled,
                        $"Plugin '{manifest.Id}' is already installed and {PluginLifecycle.StateName(from)}" +
                        (sameContent ? " with this manifest." : " with a different manifest: unregister it first, then install the new manifest.")),
                    new JsonObject { ["status"] = PluginLifecycle.StateName(from), ["same_manifest"] = sameContent }, cancellationToken);
            }

            var plugin = await PluginStore.InstallAsync(transaction, manifest, manifestJson, digest, enableOnRegister, caller.Actor, cancellationToken);
            var reason = from == PluginState.NotInstalled ? "installed" : "reinstalled";
            await journal.RecordAsync(transaction, plugin.Id, from, decision.To, LifecycleTrigger.Install, caller, reason, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.Install, plugin.Id, reason, new JsonObject
            {
                ["version"] = manifest.Version,
                ["revision"] = plugin.ManifestRevision,
                ["digest"] = digest,
                ["enable_on_register"] = enableOnRegister,
            }, cancellationToken);
            var detail = await DetailAsync(transaction, plugin, cancellationToken);
            journal.UpsertAfterCommit(transaction, plugin);
            await transaction.CommitAsync(cancellationToken);

            var response = new InstallPluginResponse { Plugin = detail };
            response.Warnings.Add(validation.Warnings.Select(w => new Contracts.Registry.V1.ManifestIssue { Path = w.Path, Message = w.Message }));
            return response;
        }, cancellationToken);
    }

    public Task<UninstallPluginResponse> UninstallAsync(string id, string reason, Caller caller, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.Uninstall, id, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            var plugin = await FindForChangeAsync(transaction, id, AuditActions.Uninstall, caller, cancellationToken);
            var decision = await DecideAsync(transaction, plugin, LifecycleTrigger.Uninstall, AuditActions.Uninstall, caller, cancellationToken);
            await PluginStore.DeleteAsync(transaction, id, cancellationToken);
            var why = ReasonOr(reason, "uninstalled by an administrator");
            await journal.RecordAsync(transaction, id, plugin.Status, decision.To, LifecycleTrigger.Uninstall, caller, why, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.Uninstall, id, why,
                new JsonObject { ["from"] = PluginLifecycle.StateName(plugin.Status) }, cancellationToken);
            journal.RemoveAfterCommit(transaction, id);
            await transaction.CommitAsync(cancellationToken);
            return new UninstallPluginResponse { Id = id };
        }, cancellationToken);

    /// <summary>Enable, disable or unregister, as the lifecycle table allows.</summary>
    public Task<PluginDetail> TransitionAsync(string id, LifecycleTrigger trigger, string reason, Caller caller, CancellationToken cancellationToken)
    {
        var action = trigger switch
        {
            LifecycleTrigger.Enable => AuditActions.Enable,
            LifecycleTrigger.Disable => AuditActions.Disable,
            LifecycleTrigger.Unregister => AuditActions.Unregister,
            _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, "Administrators enable, disable or unregister."),
        };
        return audit.RecordFailuresAsync(caller, action, id, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            var plugin = await FindForChangeAsync(transaction, id, action, caller, cancellationToken);
            var decision = await DecideAsync(transaction, plugin, trigger, action, caller, cancellationToken);
            if (trigger == LifecycleTrigger.Enable && await ActivationRules.CheckAsync(transaction, plugin, cancellationToken) is { } refusal)
            {
                throw await audit.RefuseAsync(transaction, caller, action, id, refusal, null, cancellationToken);
            }

            var from = plugin.Status;
            plugin = await PluginStore.SetStatusAsync(transaction, plugin, decision.To, cancellationToken);
            var why = ReasonOr(reason, trigger switch
            {
                LifecycleTrigger.Enable => "enabled by an administrator",
                LifecycleTrigger.Disable => "disabled by an administrator",
                _ => "unregistered by an administrator",
            });
            await journal.RecordAsync(transaction, id, from, decision.To, trigger, caller, why, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, action, id, why,
                new JsonObject { ["from"] = PluginLifecycle.StateName(from), ["to"] = PluginLifecycle.StateName(decision.To) }, cancellationToken);
            var detail = await DetailAsync(transaction, plugin, cancellationToken);
            journal.UpsertAfterCommit(transaction, plugin);
            await transaction.CommitAsync(cancellationToken);
            return detail;
        }, cancellationToken);
    }

    public Task<PluginDetail> GetAsync(string id, Caller caller, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.Read, id, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            var plugin = await PluginStore.FindAsync(transaction, id, forUpdate: false, cancellationToken)
                ?? throw await audit.RefuseAsync(transaction, caller, AuditActions.Read, id, NotFound(id), null, cancellationToken);
            return await DetailAsync(transaction, plugin, cancellationToken);
        }, cancellationToken);

    public async Task<IReadOnlyList<PluginSummary>> ListAsync(PluginStatus status, string? search, CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);
        var plugins = await PluginStore.ListAsync(transaction, PluginLifecycle.FromProto(status), search, cancellationToken);
        return [.. plugins.Select(projection.ToSummary)];
    }

    private async Task<PluginRecord> FindForChangeAsync(RegistryTransaction transaction, string id, string action, Caller caller, CancellationToken cancellationToken)
    {
        await transaction.LockAsync(PluginRegistration.LockKey(id), cancellationToken);
        return await PluginStore.FindAsync(transaction, id, forUpdate: true, cancellationToken)
            ?? throw await audit.RefuseAsync(transaction, caller, action, id, NotFound(id), null, cancellationToken);
    }

    private async Task<LifecycleDecision> DecideAsync(RegistryTransaction transaction, PluginRecord plugin, LifecycleTrigger trigger, string action,
        Caller caller, CancellationToken cancellationToken)
    {
        var decision = PluginLifecycle.Decide(plugin.Status, trigger);
        if (!decision.IsAllowed)
        {
            throw await audit.RefuseAsync(transaction, caller, action, plugin.Id,
                Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.IllegalTransition, $"Plugin '{plugin.Id}': {decision.Refusal}"),
                new JsonObject { ["status"] = PluginLifecycle.StateName(plugin.Status) }, cancellationToken);
        }

        return decision;
    }

    private async Task<PluginDetail> DetailAsync(RegistryTransaction transaction, PluginRecord plugin, CancellationToken cancellationToken)
    {
        var history = await PluginStore.ListLifecycleEventsAsync(transaction, plugin.Id, cancellationToken);
        var token = await PluginStore.FindLatestTokenAsync(transaction, plugin.Id, cancellationToken);
        return projection.ToDetail(plugin, history, token);
    }

    private static Refusal NotFound(string id) =>
        Refusal.Of(RefusalKind.NotFound, RefusalCodes.NotFound, $"Plugin '{id}' is not installed.");

    private static string ReasonOr(string reason, string fallback) => string.IsNullOrWhiteSpace(reason) ? fallback : reason.Trim();
}
