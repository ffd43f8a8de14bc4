using System.Text.Json.Nodes;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Credentials;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Registration;
using AuditLog = Fabrix.Core.Registry.Audit.AuditLog;

namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// The administrator side of the registry: install (approve a manifest), uninstall, enable, disable (with cascade),
/// unregister (with cascade), read. Versions are <see cref="PluginVersionAdministration"/>. Callers are already
/// authorized (<see cref="AdministratorAccess"/>). Every change is audited in its transaction; every refusal in its
/// own. Changes take <see cref="DependencyRules.LockKey"/> first, then the plugin's lock.
/// </summary>
internal sealed class PluginAdministration(
    RegistryDatabase database,
    LifecycleJournal journal,
    AuditLog audit)
{
    /// <summary>
    /// Installs a first version, or reinstalls an unregistered plugin. The version must not contradict an installed
    /// one (same version, other content); the platform range must include this Fabrix; every dependency must be
    /// installed and no cycle may form. Reinstalling a version installed before pins that stored version again.
    /// </summary>
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
            await DependencyRules.LockAsync(transaction, cancellationToken);
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
                        (sameContent
                            ? " with this manifest."
                            : $" with a different manifest (version {existing.Version}): to add a version, upgrade it; to start over, unregister it, then install.")),
                    new JsonObject { ["status"] = PluginLifecycle.StateName(from), ["same_manifest"] = sameContent }, cancellationToken);
            }

            var versions = await PluginStore.ListManifestVersionsAsync(transaction, manifest.Id, cancellationToken);
            var ordering = ManifestVersionOrdering.Decide(PluginVersions.ForOrdering(versions), manifest.Version, digest);
            if (ordering.Outcome == ManifestVersionOutcome.Conflict)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Install, manifest.Id,
                    VersionRefusals.Conflict(manifest, digest, ordering, versions), new JsonObject { ["digest"] = digest }, cancellationToken);
            }

            if ((PlatformRules.Check(manifest) ?? DependencyRules.CheckCandidate(await DependencyRules.LoadAsync(transaction, cancellationToken), manifest)) is { } refusal)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Install, manifest.Id, refusal,
                    new JsonObject { ["version"] = manifest.Version, ["digest"] = digest }, cancellationToken);
            }

            var stored = ordering.Outcome == ManifestVersionOutcome.Identical ? PluginVersions.FindByDigest(versions, digest) : null;
            var version = stored ?? await PluginStore.AddManifestVersionAsync(transaction, manifest, manifestJson, digest, caller.Actor, cancellationToken);
            var plugin = await PluginStore.InstallAsync(transaction, manifest, version, enableOnRegister, cancellationToken);
            var confusable = await ConfusablePluginNames.WarningsAsync(transaction, manifest, cancellationToken);
            var reason = from == PluginState.NotInstalled ? "installed" : "reinstalled";
            // Every install and reinstall issues a fresh registration credential (issue 7 section 1); a reinstall's
            // supersedes the one of the earlier installation.
            var (credential, credentialRecord) = await CredentialStore.IssueAsync(transaction, plugin.Id, caller.Actor, cancellationToken);
            await journal.RecordAsync(transaction, plugin.Id, from, decision.To, LifecycleTrigger.Install, caller, reason, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.Install, plugin.Id, reason, new JsonObject
            {
                ["credential_id"] = credential.CredentialId,
                ["version"] = manifest.Version,
                ["revision"] = plugin.ManifestRevision,
                ["digest"] = digest,
                ["stored_version_reused"] = stored is not null,
                ["enable_on_register"] = enableOnRegister,
            }, cancellationToken);
            var detail = await PluginDetails.ReadAsync(transaction, plugin, cancellationToken);
            journal.UpsertAfterCommit(transaction, plugin);
            await transaction.CommitAsync(cancellationToken);

            var response = new InstallPluginResponse { Plugin = detail, RegistrationCredential = CredentialProjection.ToIssued(credential, credentialRecord) };
            response.Warnings.Add(validation.Warnings.Concat(confusable).Select(w => new Contracts.Registry.V1.ManifestIssue { Path = w.Path, Message = w.Message }));
            return response;
        }, cancellationToken);
    }

    /// <summary>Removes an installed or unregistered plugin, unless installed plugins declare it as a dependency.</summary>
    public Task<UninstallPluginResponse> UninstallAsync(string id, string reason, Caller caller, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.Uninstall, id, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await DependencyRules.LockAsync(transaction, cancellationToken);
            var plugin = await FindForChangeAsync(transaction, id, AuditActions.Uninstall, caller, cancellationToken);
            var decision = await DecideAsync(transaction, plugin, LifecycleTrigger.Uninstall, AuditActions.Uninstall, caller, cancellationToken);
            var dependents = (await PluginStore.ListDependentsAsync(transaction, id, cancellationToken))
                .Where(d => !string.Equals(d, id, StringComparison.Ordinal)).ToList();
            if (dependents.Count > 0)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Uninstall, id,
                    Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.InstalledDependents,
                        $"Plugin '{id}' cannot be uninstalled: installed plugins depend on it: {string.Join(", ", dependents)}. Uninstall them, or pin versions of them that do not depend on it, first."),
                    new JsonObject { ["dependents"] = Names(dependents) }, cancellationToken);
            }

            await PluginStore.DeleteAsync(transaction, id, cancellationToken);
            var why = ReasonOr(reason, "uninstalled by an administrator");
            await journal.RecordAsync(transaction, id, plugin.Status, decision.To, LifecycleTrigger.Uninstall, caller, why, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.Uninstall, id, why,
                new JsonObject { ["from"] = PluginLifecycle.StateName(plugin.Status) }, cancellationToken);
            journal.RemoveAfterCommit(transaction, id);
            await transaction.CommitAsync(cancellationToken);
            return new UninstallPluginResponse { Id = id };
        }, cancellationToken);

    /// <summary>
    /// Enable, disable or unregister, as the lifecycle table allows. Disable and unregister are refused while active
    /// plugins depend on the plugin, unless <paramref name="cascade"/>: then those dependents are disabled first, in
    /// <see cref="Dependencies.DependencyGraph.CascadeOrder"/> (dependents of dependents first), in the same
    /// transaction, each step its own lifecycle event, audit row (reason <c>cascade from &lt;id&gt;</c>) and
    /// published change.
    /// </summary>
    public Task<PluginDetail> TransitionAsync(string id, LifecycleTrigger trigger, string reason, bool cascade, Caller caller, CancellationToken cancellationToken)
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
            await DependencyRules.LockAsync(transaction, cancellationToken);
            var plugin = await FindForChangeAsync(transaction, id, action, caller, cancellationToken);
            var decision = await DecideAsync(transaction, plugin, trigger, action, caller, cancellationToken);
            if (trigger == LifecycleTrigger.Enable && await ActivationRules.CheckAsync(transaction, plugin, cancellationToken) is { } refusal)
            {
                throw await audit.RefuseAsync(transaction, caller, action, id, refusal, null, cancellationToken);
            }

            IReadOnlyList<string> cascaded = [];
            if (trigger is LifecycleTrigger.Disable or LifecycleTrigger.Unregister)
            {
                cascaded = await DisableDependentsAsync(transaction, plugin, trigger, cascade, action, caller, cancellationToken);
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
            var auditDetails = new JsonObject { ["from"] = PluginLifecycle.StateName(from), ["to"] = PluginLifecycle.StateName(decision.To) };
            if (cascaded.Count > 0)
            {
                auditDetails["cascaded"] = Names(cascaded);
            }

            await AuditLog.SucceededAsync(transaction, caller, action, id, why, auditDetails, cancellationToken);
            var detail = await PluginDetails.ReadAsync(transaction, plugin, cancellationToken);
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
                ?? throw await audit.RefuseAsync(transaction, caller, AuditActions.Read, id, Refusal.PluginNotFound(id), null, cancellationToken);
            return await PluginDetails.ReadAsync(transaction, plugin, cancellationToken);
        }, cancellationToken);

    public async Task<IReadOnlyList<PluginSummary>> ListAsync(PluginStatus status, string? search, CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);
        var plugins = await PluginStore.ListAsync(transaction, PluginLifecycle.FromProto(status), search, cancellationToken);
        return [.. plugins.Select(PluginProjection.ToSummary)];
    }

    /// <summary>
    /// The active plugins that depend on <paramref name="plugin"/>: refused without <paramref name="cascade"/>;
    /// with it, each is disabled (in cascade order) within <paramref name="transaction"/>. Returns the ones disabled.
    /// </summary>
    private async Task<IReadOnlyList<string>> DisableDependentsAsync(RegistryTransaction transaction, PluginRecord plugin, LifecycleTrigger trigger, bool cascade,
        string action, Caller caller, CancellationToken cancellationToken)
    {
        var snapshot = await DependencyRules.LoadAsync(transaction, cancellationToken);
        var (dependents, cycle) = DependencyRules.ActiveDependents(snapshot, plugin.Id);
        if (cycle is not null)
        {
            throw await audit.RefuseAsync(transaction, caller, action, plugin.Id, cycle, null, cancellationToken);
        }

        if (dependents.Count == 0)
        {
            return [];
        }

        var verb = trigger == LifecycleTrigger.Disable ? "disable" : "unregister";
        if (!cascade)
        {
            throw await audit.RefuseAsync(transaction, caller, action, plugin.Id,
                Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.ActiveDependents,
                    $"Cannot {verb} '{plugin.Id}': active plugins depend on it: {string.Join(", ", dependents)}. Disable them first, or ask for a cascade " +
                    $"(cascade = true; fabrix plugins {verb} {plugin.Id} --cascade), which disables them first."),
                new JsonObject { ["dependents"] = Names(dependents) }, cancellationToken);
        }

        var reason = $"cascade from {plugin.Id}";
        // Every lock first, then the writes: the audit append holds the chain lock until commit, so taking a
        // plugin lock after it could deadlock with that plugin's own token renewal (Core.Registry/README.md, "Audit chain").
        var records = new List<PluginRecord>(dependents.Count);
        foreach (var id in dependents)
        {
            await transaction.LockAsync(PluginRegistration.LockKey(id), cancellationToken);
            records.Add((await PluginStore.FindAsync(transaction, id, forUpdate: true, cancellationToken))!);
        }

        foreach (var record in records)
        {
            var id = record.Id;
            var dependent = record;
            var decision = PluginLifecycle.Decide(dependent.Status, LifecycleTrigger.Disable);
            dependent = await PluginStore.SetStatusAsync(transaction, dependent, decision.To, cancellationToken);
            await journal.RecordAsync(transaction, id, PluginState.Active, decision.To, LifecycleTrigger.Disable, caller, reason, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.Disable, id, reason,
                new JsonObject { ["from"] = "active", ["to"] = PluginLifecycle.StateName(decision.To), ["cascade_from"] = plugin.Id, ["cascade_trigger"] = verb },
                cancellationToken);
            journal.UpsertAfterCommit(transaction, dependent);
        }

        return dependents;
    }

    private async Task<PluginRecord> FindForChangeAsync(RegistryTransaction transaction, string id, string action, Caller caller, CancellationToken cancellationToken)
    {
        await transaction.LockAsync(PluginRegistration.LockKey(id), cancellationToken);
        return await PluginStore.FindAsync(transaction, id, forUpdate: true, cancellationToken)
            ?? throw await audit.RefuseAsync(transaction, caller, action, id, Refusal.PluginNotFound(id), null, cancellationToken);
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

    private static JsonArray Names(IEnumerable<string> ids) => new([.. ids.Select(i => (JsonNode)i)]);


    private static string ReasonOr(string reason, string fallback) => string.IsNullOrWhiteSpace(reason) ? fallback : reason.Trim();
}
