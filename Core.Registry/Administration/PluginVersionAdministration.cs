using System.Text.Json.Nodes;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Platform;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Dependencies;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Registration;
using AuditLog = Fabrix.Core.Registry.Audit.AuditLog;

namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// Versions of an installed plugin (issue 3 section 3): list, preview an upgrade, upgrade, roll back. Every installed
/// manifest version is kept and immutable; the pinned one (<c>plugins.manifest_revision</c>) is the only one allowed to
/// register. Upgrading or rolling back pins another version and sends the plugin back to installed: it must register
/// again with the pinned manifest (<see cref="VersionPinning"/> decides whether it then comes back active). Callers are
/// already authorized; changes are audited in their transaction, refusals in their own.
/// </summary>
internal sealed class PluginVersionAdministration(
    RegistryDatabase database,
    LifecycleJournal journal,
    AuditLog audit)
{
    /// <summary>Every installed version, newest first.</summary>
    public Task<IReadOnlyList<PluginVersionInfo>> ListAsync(string id, Caller caller, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync<IReadOnlyList<PluginVersionInfo>>(caller, AuditActions.Read, id, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            var plugin = await PluginStore.FindAsync(transaction, id, forUpdate: false, cancellationToken)
                ?? throw await audit.RefuseAsync(transaction, caller, AuditActions.Read, id, Refusal.PluginNotFound(id), null, cancellationToken);
            var versions = await PluginStore.ListManifestVersionsAsync(transaction, id, cancellationToken);
            return [.. PluginVersions.Describe(versions, plugin.ManifestRevision).Select(PluginProjection.ToVersionInfo)];
        }, cancellationToken);

    /// <summary>
    /// What upgrading to <paramref name="manifestJson"/> would mean, without changing anything: the permission diff
    /// against the pinned version, platform compatibility, missing dependencies. Refused like the upgrade when the
    /// manifest is invalid, the plugin is not installed, the version is not new, or a dependency cycle would form.
    /// </summary>
    public Task<UpgradePreview> PreviewAsync(string manifestJson, Caller caller, CancellationToken cancellationToken)
    {
        var target = ManifestIds.Of(manifestJson);
        return audit.RecordFailuresAsync(caller, AuditActions.PreviewUpgrade, target, async () =>
        {
            var (validation, digest) = await ValidateAsync(manifestJson, AuditActions.PreviewUpgrade, target, caller, cancellationToken);
            await using var transaction = await database.BeginAsync(cancellationToken);
            var plan = await PlanAsync(transaction, validation.Manifest!, digest, AuditActions.PreviewUpgrade, caller, cancellationToken);
            if (plan.Cycle is { } cycle)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.PreviewUpgrade, plan.Plugin.Id,
                    DependencyRules.CycleRefusal(plan.Candidate.Id, plan.Candidate.Version, cycle), null, cancellationToken);
            }

            var preview = new UpgradePreview
            {
                Diff = plan.Diff,
                PlatformCompatible = plan.Platform.IsCompatible,
                PlatformReason = plan.Platform.Reason ?? string.Empty,
            };
            preview.Warnings.Add(validation.Warnings.Select(w => new Contracts.Registry.V1.ManifestIssue { Path = w.Path, Message = w.Message }));
            preview.MissingDependencies.Add(plan.MissingDependencies);
            return preview;
        }, cancellationToken);
    }

    /// <summary>
    /// Installs a newer version and pins it. Refused when the version is not newer than every installed one (or is
    /// installed already), the platform range excludes this Fabrix, a dependency is missing or a cycle would form,
    /// or the permission diff needs approval that <paramref name="approvePermissions"/> does not give.
    /// </summary>
    public Task<PluginDetail> UpgradeAsync(string manifestJson, bool approvePermissions, string reason, Caller caller, CancellationToken cancellationToken)
    {
        var target = ManifestIds.Of(manifestJson);
        return audit.RecordFailuresAsync(caller, AuditActions.Upgrade, target, async () =>
        {
            var (validation, digest) = await ValidateAsync(manifestJson, AuditActions.Upgrade, target, caller, cancellationToken);
            var manifest = validation.Manifest!;
            await using var transaction = await database.BeginAsync(cancellationToken);
            await DependencyRules.LockAsync(transaction, cancellationToken);
            await transaction.LockAsync(PluginRegistration.LockKey(manifest.Id), cancellationToken);
            var plan = await PlanAsync(transaction, manifest, digest, AuditActions.Upgrade, caller, cancellationToken);
            var attempt = new JsonObject { ["from_version"] = plan.Plugin.Version, ["to_version"] = manifest.Version, ["digest"] = digest };
            if ((PlatformRules.Check(manifest) ?? DependencyRules.CheckCandidate(plan.Dependencies, manifest)) is { } refusal)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Upgrade, manifest.Id, refusal, attempt, cancellationToken);
            }

            if (plan.Diff.RequiresApproval && !approvePermissions)
            {
                attempt["diff"] = Lines(plan.Diff.Lines);
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Upgrade, manifest.Id,
                    Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.ApprovalRequired,
                        $"Upgrading '{manifest.Id}' from {plan.Plugin.Version} to {manifest.Version} asks for more permissions, which need explicit approval: " +
                        $"{string.Join("; ", plan.Diff.Lines)}. Review them, then approve (approve_permissions = true; fabrix plugins upgrade <manifest> --approve)."),
                    attempt, cancellationToken);
            }

            var version = await PluginStore.AddManifestVersionAsync(transaction, manifest, manifestJson, digest, caller.Actor, cancellationToken);
            var upgradeDetails = new JsonObject
            {
                ["permissions_approved"] = plan.Diff.RequiresApproval && approvePermissions,
                ["diff"] = Lines(plan.Diff.Lines),
            };
            return await PinAsync(transaction, plan.Plugin, manifest, version, LifecycleTrigger.Upgrade, AuditActions.Upgrade, reason, upgradeDetails,
                caller, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>
    /// Pins another installed version (an earlier one, or a later one after a rollback). The version must still pass
    /// validation, support this Fabrix, and have its dependencies installed without a cycle.
    /// </summary>
    public Task<PluginDetail> RollbackAsync(string id, string version, string reason, Caller caller, CancellationToken cancellationToken) =>
        audit.RecordFailuresAsync(caller, AuditActions.Rollback, id, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await DependencyRules.LockAsync(transaction, cancellationToken);
            await transaction.LockAsync(PluginRegistration.LockKey(id), cancellationToken);
            var plugin = await PluginStore.FindAsync(transaction, id, forUpdate: true, cancellationToken)
                ?? throw await audit.RefuseAsync(transaction, caller, AuditActions.Rollback, id, Refusal.PluginNotFound(id), null, cancellationToken);
            var versions = await PluginStore.ListManifestVersionsAsync(transaction, id, cancellationToken);
            var attempt = new JsonObject { ["from_version"] = plugin.Version, ["to_version"] = version };
            var stored = PluginVersions.Find(versions, version);
            if (stored is null)
            {
                var installed = PluginVersions.Describe(versions, plugin.ManifestRevision).Select(v => v.Version);
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Rollback, id,
                    Refusal.Of(RefusalKind.NotFound, RefusalCodes.VersionNotInstalled,
                        $"Version '{version}' of '{id}' is not installed; installed versions: {string.Join(", ", installed)}."),
                    attempt, cancellationToken);
            }

            if (string.Equals(stored.Digest, plugin.ManifestDigest, StringComparison.Ordinal))
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Rollback, id,
                    Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.VersionAlreadyPinned, $"Version {version} of '{id}' is already pinned."),
                    attempt, cancellationToken);
            }

            var validation = ManifestValidator.Validate(stored.ManifestJson);
            if (validation.Manifest is not { } manifest)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Rollback, id,
                    new Refusal(RefusalKind.FailedPrecondition, RefusalCodes.ManifestNoLongerValid,
                        $"Version {version} of '{id}' no longer passes validation ({validation.Errors.Count} error(s)) and cannot be pinned.",
                        [.. validation.Errors.Select(e => new FieldViolation(e.Path, e.Message))]),
                    attempt, cancellationToken);
            }

            var snapshot = await DependencyRules.LoadAsync(transaction, cancellationToken);
            if ((PlatformRules.Check(manifest) ?? DependencyRules.CheckCandidate(snapshot, manifest)) is { } refusal)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Rollback, id, refusal, attempt, cancellationToken);
            }

            var diff = ManifestValidator.Validate(plugin.ManifestJson).Manifest is { } pinned ? ManifestPermissionDiff.Compute(pinned, manifest).Describe() : [];
            return await PinAsync(transaction, plugin, manifest, stored, LifecycleTrigger.Rollback, AuditActions.Rollback, reason,
                new JsonObject { ["diff"] = Lines(diff) }, caller, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Makes <paramref name="version"/> the pinned one, sends the plugin back to installed as the lifecycle table says,
    /// and records it: lifecycle event (published on NATS and the watch stream) and audit row, in
    /// <paramref name="transaction"/>, which it commits.
    /// </summary>
    private async Task<PluginDetail> PinAsync(RegistryTransaction transaction, PluginRecord plugin, PluginManifest manifest, ManifestVersionRecord version,
        LifecycleTrigger trigger, string action, string administratorReason, JsonObject auditDetails, Caller caller, CancellationToken cancellationToken)
    {
        var decision = PluginLifecycle.Decide(plugin.Status, trigger);
        if (!decision.IsAllowed)
        {
            throw await audit.RefuseAsync(transaction, caller, action, plugin.Id,
                Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.IllegalTransition, $"Plugin '{plugin.Id}': {decision.Refusal}"),
                new JsonObject { ["status"] = PluginLifecycle.StateName(plugin.Status) }, cancellationToken);
        }

        var enableOnRegister = VersionPinning.EnableOnRegisterAfter(plugin.Status, plugin.EnableOnRegister);
        var pinned = await PluginStore.PinAsync(transaction, manifest, version, decision.To, enableOnRegister, cancellationToken);
        var newer = ManifestVersionOrdering.Compare(version.Version, plugin.Version) > 0;
        var reason = VersionPinning.Reason(trigger, newer, version.Version, administratorReason);
        await journal.RecordAsync(transaction, plugin.Id, plugin.Status, decision.To, trigger, caller, reason, cancellationToken);
        auditDetails["from_version"] = plugin.Version;
        auditDetails["to_version"] = version.Version;
        auditDetails["revision"] = version.Revision;
        auditDetails["digest"] = version.Digest;
        auditDetails["previous_digest"] = plugin.ManifestDigest;
        auditDetails["from"] = PluginLifecycle.StateName(plugin.Status);
        auditDetails["to"] = PluginLifecycle.StateName(decision.To);
        auditDetails["enable_on_register"] = enableOnRegister;
        await AuditLog.SucceededAsync(transaction, caller, action, plugin.Id, reason, auditDetails, cancellationToken);
        var detail = await PluginDetails.ReadAsync(transaction, pinned, cancellationToken);
        journal.UpsertAfterCommit(transaction, pinned);
        await transaction.CommitAsync(cancellationToken);
        return detail;
    }

    /// <summary>Validates an upgrade manifest; an invalid one is an audited INVALID_ARGUMENT with every JSON path.</summary>
    private async Task<(ManifestValidationResult Validation, string Digest)> ValidateAsync(string manifestJson, string action, string target, Caller caller,
        CancellationToken cancellationToken)
    {
        var validation = ManifestValidator.Validate(manifestJson);
        if (!validation.IsValid)
        {
            throw await audit.RefuseAsync(caller, action, target,
                Refusal.Invalid($"The manifest is invalid: {validation.Errors.Count} error(s).",
                    [.. validation.Errors.Select(e => new FieldViolation(e.Path, e.Message))]),
                null, cancellationToken);
        }

        return (validation, ManifestDigest.Compute(manifestJson));
    }

    /// <summary>
    /// Everything an upgrade to <paramref name="candidate"/> is decided on. Refuses (audited) when the plugin is not
    /// installed or the version is not an upgrade: installed already (identical: ALREADY_EXISTS; other content:
    /// ALREADY_EXISTS naming both digests) or preceding the latest installed version.
    /// </summary>
    private async Task<UpgradePlan> PlanAsync(RegistryTransaction transaction, PluginManifest candidate, string digest, string action, Caller caller,
        CancellationToken cancellationToken)
    {
        var plugin = await PluginStore.FindAsync(transaction, candidate.Id, forUpdate: action == AuditActions.Upgrade, cancellationToken)
            ?? throw await audit.RefuseAsync(transaction, caller, action, candidate.Id,
                Refusal.Of(RefusalKind.NotFound, RefusalCodes.NotFound, $"Plugin '{candidate.Id}' is not installed: install it first (an upgrade adds a version to an installed plugin)."),
                null, cancellationToken);
        var versions = await PluginStore.ListManifestVersionsAsync(transaction, candidate.Id, cancellationToken);
        var ordering = ManifestVersionOrdering.Decide(PluginVersions.ForOrdering(versions), candidate.Version, digest);
        var refusal = ordering.Outcome switch
        {
            ManifestVersionOutcome.Conflict => VersionRefusals.Conflict(candidate, digest, ordering, versions),
            ManifestVersionOutcome.Identical => VersionRefusals.AlreadyInstalled(plugin, ordering),
            ManifestVersionOutcome.Downgrade => VersionRefusals.NotAnUpgrade(plugin, ordering),
            _ => null,
        };
        if (refusal is not null)
        {
            throw await audit.RefuseAsync(transaction, caller, action, candidate.Id, refusal,
                new JsonObject { ["from_version"] = plugin.Version, ["to_version"] = candidate.Version, ["digest"] = digest }, cancellationToken);
        }

        var snapshot = await DependencyRules.LoadAsync(transaction, cancellationToken);
        return new UpgradePlan(plugin, candidate, DiffAgainstPinned(plugin, candidate), PlatformCompatibility.Check(candidate), snapshot,
            DependencyRules.Missing(snapshot, candidate), DependencyRules.Cycle(snapshot, candidate));
    }

    /// <summary>
    /// The permission diff from the pinned manifest (ManifestPermissionDiff). A pinned manifest that no longer passes
    /// validation cannot be compared: the new one then needs approval as a whole.
    /// </summary>
    private static PermissionDiff DiffAgainstPinned(PluginRecord plugin, PluginManifest candidate)
    {
        var result = new PermissionDiff { FromVersion = plugin.Version, ToVersion = candidate.Version };
        if (ManifestValidator.Validate(plugin.ManifestJson).Manifest is { } pinned)
        {
            var diff = ManifestPermissionDiff.Compute(pinned, candidate);
            result.RequiresApproval = diff.RequiresApproval;
            result.Lines.Add(diff.Describe());
        }
        else
        {
            result.RequiresApproval = true;
            result.Lines.Add($"! the pinned version {plugin.Version} no longer passes validation: approve version {candidate.Version} as a whole");
        }

        return result;
    }

    private static JsonArray Lines(IEnumerable<string> lines) => new([.. lines.Select(l => (JsonNode)l)]);


    private sealed record UpgradePlan(
        PluginRecord Plugin,
        PluginManifest Candidate,
        PermissionDiff Diff,
        PlatformCompatibilityResult Platform,
        DependencySnapshot Dependencies,
        IReadOnlyList<string> MissingDependencies,
        DependencyCycle? Cycle);
}
