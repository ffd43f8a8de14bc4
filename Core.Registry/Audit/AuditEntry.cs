using System.Text.Json.Nodes;

namespace Fabrix.Core.Registry.Audit;

/// <summary>Outcome column of the audit log.</summary>
internal enum AuditOutcome
{
    Succeeded,
    Refused,
    Failed,
}

/// <summary>One row of the append-only audit log (ARCHITECTURE.md "Audit").</summary>
internal sealed record AuditEntry(
    string Actor,
    string Action,
    string Target,
    AuditOutcome Outcome,
    string Reason,
    string CorrelationId,
    JsonObject? Details = null);

/// <summary>Action names written to <c>audit_log.action</c>.</summary>
internal static class AuditActions
{
    public const string Install = "plugin.install";
    public const string Uninstall = "plugin.uninstall";
    public const string Register = "plugin.register";
    public const string Enable = "plugin.enable";
    public const string Disable = "plugin.disable";
    public const string Unregister = "plugin.unregister";
    public const string RenewToken = "plugin.token.renew";
    public const string Heartbeat = "plugin.heartbeat";

    /// <summary>A change of a plugin's health state, recorded by the health monitor as actor <c>system</c>.</summary>
    public const string Health = "plugin.health";
    public const string Read = "plugin.read";
    public const string Watch = "plugin.watch";
    public const string RotateSigningKey = "signing_key.rotate";

    // Versions (issue 3 section 3). Reading the versions is Read like every other read.
    public const string Upgrade = "plugin.upgrade";
    public const string PreviewUpgrade = "plugin.upgrade.preview";
    public const string Rollback = "plugin.rollback";

    // Registration credentials (issue 7 section 1). Issuing one at install is part of plugin.install.
    public const string RotateCredential = "plugin.credential.rotate";
    public const string RevokeCredential = "plugin.credential.revoke";

    // Push secrets (issue 11 section 3). Issuing one at the first push registration is part of plugin.register.
    public const string RotatePushSecret = "plugin.push_secret.rotate";

    // Administrator lane control (issue 9 section 1, issue 10 sections 2 and 4). Listing is a read: refusals only.
    public const string SetLaneLimits = "policy.limits.set";
    public const string ClearLaneLimits = "policy.limits.clear";
    public const string ListLaneLimits = "policy.limits.list";
    public const string GrantOperatorAccess = "policy.grant.add";
    public const string RevokeOperatorAccess = "policy.grant.revoke";
    public const string ListOperatorGrants = "policy.grant.list";
    public const string SetProviderPreference = "policy.preference.set";
    public const string ClearProviderPreference = "policy.preference.clear";
    public const string ListProviderPreferences = "policy.preference.list";
    public const string AddDeniedDomain = "policy.deny.add";
    public const string RemoveDeniedDomain = "policy.deny.remove";
    public const string ListDeniedDomains = "policy.deny.list";

    /// <summary>A lane instance's status report (refusals only: a report every few seconds is telemetry).</summary>
    public const string ReportLaneStatus = "policy.lane_status.report";
    public const string ListLaneStatus = "policy.lane_status.list";

    /// <summary>An administrator viewed an event's payload (issue 11 section 5: every view is audited); a read, not a change.</summary>
    public const string ReadEventPayload = "events.dead_letter.payload.read";

    // Reading the audit log is itself audited (issue 3 section 4).
    public const string QueryAudit = "audit.query";
    public const string ExportAudit = "audit.export";
    public const string VerifyAudit = "audit.verify";
    public const string ListCheckpoints = "audit.checkpoints.list";

    /// <summary>
    /// Actions that are never changes (issue 7 section 5, <c>AuditFilter.changes_only</c>): reads, token renewals,
    /// heartbeats, upgrade previews, and health transitions. Health transitions are the monitor's telemetry about a
    /// plugin, not a lifecycle or administration decision, and a flapping plugin would drown real changes; they stay
    /// in the plugin's health view and the full log. Every <c>audit.*</c> action is a read too. Every other action that
    /// succeeded is a change: install, uninstall, register (including re-registration from a new address), enable,
    /// disable, unregister, upgrade, rollback, signing key rotation and registration credential actions; an action
    /// added later counts as a change unless it is listed here. Lane decisions (<c>lane.*</c>, issue 9 section 4) are
    /// never changes: they are the lanes' per-request record.
    /// </summary>
    public static IReadOnlyList<string> NotChanges { get; } = [Read, Watch, RenewToken, Heartbeat, Health, PreviewUpgrade, ReadEventPayload];

    public static bool IsChange(string action, string outcome) =>
        outcome == "succeeded" && !NotChanges.Contains(action, StringComparer.Ordinal) && !action.StartsWith("audit.", StringComparison.Ordinal)
        && !action.StartsWith("lane.", StringComparison.Ordinal);
}
