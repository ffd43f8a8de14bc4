using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Manifests;
using System.Text;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Credentials;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Health;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Fabrix.Core.Registry.Registration;

/// <summary>A successful registration or renewal; <paramref name="PushSecret"/> (the current one) only for a plugin whose manifest declares push delivery.</summary>
internal sealed record TokenGrant(PluginRecord Plugin, IssuedToken Token, string? PushSecret = null);

/// <summary>A recorded heartbeat.</summary>
internal sealed record HeartbeatReceipt(PluginState Status, DateTimeOffset ReceivedAt);

/// <summary>
/// The plugin side of the registry, shared by REST and gRPC: register (installed plugins only, manifest identical in
/// content to the pinned version), renew (not when disabled or unregistered, nor once another version is pinned),
/// heartbeat (only for the token's own subject). Every change is audited in its transaction; every refusal in its own.
/// </summary>
internal sealed class PluginRegistration(
    RegistryDatabase database,
    LifecycleJournal journal,
    PluginTokenIssuer issuer,
    PluginTokenValidator validator,
    HealthMonitor healthMonitor,
    IRegistrationAuthenticator authenticator,
    PushSecrets pushSecrets,
    AuditLog audit)
{
    public const int MaxMetrics = 64;

    /// <summary>
    /// Bound of a registration (REST body, gRPC manifest text): a manifest is far smaller (the input lane bounds it), and
    /// nothing larger is parsed, let alone validated (issue 7 section 3).
    /// </summary>
    public const int MaxRegisterBytes = 128 * 1024;

    /// <summary>Bound of the other plugin REST bodies (token renewal, heartbeat with at most <see cref="MaxMetrics"/> metrics).</summary>
    public const int MaxSmallBodyBytes = 16 * 1024;

    /// <summary>A claimed plugin id is recorded (audit target and <c>claimed_plugin_id</c>) cut to this length.</summary>
    public const int MaxClaimedIdLength = 128;

    /// <summary>
    /// Registers with manifest text (gRPC). Cheap checks first (issue 7 section 3): the size, then only the id, then that
    /// it is installed, then the credential; only an authenticated registration has its manifest validated.
    /// </summary>
    public async Task<TokenGrant> RegisterAsync(string manifestJson, string? address, string? credential, CancellationToken cancellationToken)
    {
        if (Encoding.UTF8.GetByteCount(manifestJson) > MaxRegisterBytes)
        {
            throw await RefuseTooLargeAsync(AuditActions.Register, MaxRegisterBytes, cancellationToken);
        }

        var claimed = ClaimedIdOf(manifestJson);
        var (caller, authentication) = await AuthenticateRegistrationAsync(claimed, credential, cancellationToken);
        var validation = ManifestValidator.Validate(manifestJson);
        return await RegisterAsync(caller, authentication, validation, validation.IsValid ? ManifestDigest.Compute(manifestJson) : null, claimed!, address, cancellationToken);
    }

    /// <summary>Registers with a parsed manifest (REST); the body's size and media type were checked by the endpoint.</summary>
    public async Task<TokenGrant> RegisterAsync(JsonElement manifest, string? address, string? credential, CancellationToken cancellationToken)
    {
        var claimed = ClaimedIdOf(manifest);
        var (caller, authentication) = await AuthenticateRegistrationAsync(claimed, credential, cancellationToken);
        var validation = ManifestValidator.Validate(manifest);
        return await RegisterAsync(caller, authentication, validation, validation.IsValid ? ManifestDigest.Compute(manifest) : null, claimed!, address, cancellationToken);
    }

    /// <summary>Audits a request refused for its media type or size (anonymous: nothing was read) and returns the exception to throw.</summary>
    public Task<RegistryRefusalException> RefuseRequestAsync(string action, Refusal refusal, CancellationToken cancellationToken) =>
        audit.RefuseAsync(Caller.Anonymous(), action, ManifestIds.Unknown, refusal, null, cancellationToken);

    public Task<RegistryRefusalException> RefuseTooLargeAsync(string action, int limit, CancellationToken cancellationToken) =>
        RefuseRequestAsync(action, Refusal.Of(RefusalKind.TooLarge, RefusalCodes.RequestTooLarge,
            $"The request is larger than {limit / 1024} KiB, the bound of {action}."), cancellationToken);

    /// <summary>Audits a malformed REST request body and returns the exception to throw.</summary>
    public Task<RegistryRefusalException> RefuseMalformedAsync(string action, string target, IReadOnlyList<FieldViolation> violations, CancellationToken cancellationToken,
        PluginIdentity? identity = null) =>
        audit.RefuseAsync(identity is null ? Caller.Anonymous() : Caller.Plugin(identity.PluginId), action, Bound(target), Refusal.Invalid("The request is malformed.", violations),
            identity is null ? Claimed(target) : null, cancellationToken);

    /// <summary>
    /// Authenticates a plugin token; an invalid one is audited under the actor <c>anonymous</c> with the id the caller
    /// claims (the path's id, else the unverified token's subject) as <c>claimed_plugin_id</c>, and refused with UNAUTHENTICATED.
    /// </summary>
    public async Task<PluginIdentity> AuthenticateAsync(string? authorizationHeader, string action, string? claimedPluginId, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(authorizationHeader, cancellationToken);
        if (validation.Identity is { } identity)
        {
            return identity;
        }

        var claimed = claimedPluginId ?? UnverifiedSubjectOf(authorizationHeader);
        throw await audit.RefuseAsync(Caller.Anonymous(), action, Bound(claimed),
            Refusal.Of(RefusalKind.Unauthenticated, RefusalCodes.Unauthenticated, $"A valid plugin token is required: {validation.Failure}."),
            Claimed(claimed), cancellationToken);
    }

    public Task<TokenGrant> RenewAsync(PluginIdentity identity, CancellationToken cancellationToken)
    {
        var caller = Caller.Plugin(identity.PluginId);
        return audit.RecordFailuresAsync(caller, AuditActions.RenewToken, identity.PluginId, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            await transaction.LockAsync(LockKey(identity.PluginId), cancellationToken);
            var plugin = await PluginStore.FindAsync(transaction, identity.PluginId, forUpdate: true, cancellationToken);
            if (plugin is null)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.RenewToken, identity.PluginId,
                    Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.NotInstalled,
                        $"Plugin '{identity.PluginId}' is not installed: its token cannot be renewed."), null, cancellationToken);
            }

            // The digest first: after an upgrade or rollback the plugin is installed again and its token belongs to a
            // manifest that is no longer pinned. PERMISSION_DENIED tells it to register again (with the pinned manifest).
            if (!string.Equals(identity.ManifestDigest, plugin.ManifestDigest, StringComparison.Ordinal))
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.RenewToken, plugin.Id,
                    Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.ManifestMismatch,
                        $"The pinned manifest of '{plugin.Id}' (version {plugin.Version}) is not the one this token was issued for: register again with the pinned manifest."),
                    new JsonObject { ["token_digest"] = identity.ManifestDigest, ["installed_digest"] = plugin.ManifestDigest }, cancellationToken);
            }

            if (plugin.Status is not (PluginState.Registered or PluginState.Active))
            {
                var reason = plugin.Status == PluginState.Installed
                    ? $"Plugin '{plugin.Id}' was reinstalled: register again to get a token."
                    : $"Plugin '{plugin.Id}' is {PluginLifecycle.StateName(plugin.Status)}: token renewal is refused.";
                throw await audit.RefuseAsync(transaction, caller, AuditActions.RenewToken, plugin.Id,
                    Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.IllegalTransition, reason),
                    new JsonObject { ["status"] = PluginLifecycle.StateName(plugin.Status) }, cancellationToken);
            }

            plugin = await PluginStore.RecordSeenAsync(transaction, plugin, cancellationToken);
            var token = await issuer.IssueAsync(transaction, plugin, cancellationToken);
            await AuditLog.SucceededAsync(transaction, caller, AuditActions.RenewToken, plugin.Id, "token renewed", TokenDetails(token), cancellationToken);
            // A push plugin gets its current secret with every renewal, so it learns an administrator's rotation
            // (RotatePushSecret) within one renewal period, inside the overlap window (issue 11 section 3).
            var pushSecret = await pushSecrets.FindCurrentAsync(transaction, plugin.Id, cancellationToken);
            journal.UpsertAfterCommit(transaction, plugin);
            await transaction.CommitAsync(cancellationToken);
            return new TokenGrant(plugin, token, pushSecret);
        }, cancellationToken);
    }

    /// <summary>
    /// Records a heartbeat. Successful heartbeats are telemetry, not decisions: they update last-seen and, for an active
    /// plugin, go to the <see cref="HealthMonitor"/> (a success for a plugin that relies on heartbeats; its health
    /// transitions are audited there), but write no audit row themselves (one every few seconds per plugin would drown
    /// the log); refused ones are audited.
    /// </summary>
    public Task<HeartbeatReceipt> HeartbeatAsync(PluginIdentity identity, string pluginId, IReadOnlyDictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        var caller = Caller.Plugin(identity.PluginId);
        return audit.RecordFailuresAsync(caller, AuditActions.Heartbeat, pluginId, async () =>
        {
            if (!string.Equals(identity.PluginId, pluginId, StringComparison.Ordinal))
            {
                throw await audit.RefuseAsync(caller, AuditActions.Heartbeat, pluginId,
                    Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.NotOwnPlugin,
                        $"A plugin may send heartbeats only for itself: the token is for '{identity.PluginId}', the heartbeat for '{pluginId}'."),
                    null, cancellationToken);
            }

            var violations = MetricViolations(metrics);
            if (violations.Count > 0)
            {
                throw await audit.RefuseAsync(caller, AuditActions.Heartbeat, pluginId,
                    Refusal.Invalid("The heartbeat metrics are invalid.", violations), null, cancellationToken);
            }

            await using var transaction = await database.BeginAsync(cancellationToken);
            var plugin = await PluginStore.FindAsync(transaction, pluginId, forUpdate: true, cancellationToken);
            if (plugin is null)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Heartbeat, pluginId,
                    Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.NotInstalled, $"Plugin '{pluginId}' is not installed."), null, cancellationToken);
            }

            if (plugin.Status is not (PluginState.Registered or PluginState.Active or PluginState.Disabled))
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Heartbeat, pluginId,
                    Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.IllegalTransition,
                        $"Plugin '{pluginId}' is {PluginLifecycle.StateName(plugin.Status)}: heartbeats are accepted only from registered, active or disabled plugins."),
                    null, cancellationToken);
            }

            plugin = await PluginStore.RecordHeartbeatAsync(transaction, plugin, metrics, cancellationToken);
            journal.UpsertAfterCommit(transaction, plugin);
            await transaction.CommitAsync(cancellationToken);
            if (plugin.Status == PluginState.Active)
            {
                await healthMonitor.HeartbeatReceivedAsync(plugin.Id, transaction.Now, metrics, cancellationToken);
            }

            return new HeartbeatReceipt(plugin.Status, transaction.Now);
        }, cancellationToken);
    }

    /// <summary>
    /// The cheap half of a registration, before its manifest is validated: the claimed id must be present and installed,
    /// and the proof of identity must hold (<see cref="IRegistrationAuthenticator"/>). Until then the caller is
    /// <c>anonymous</c>, and refusals carry the claimed id as <c>claimed_plugin_id</c> (never <c>plugin:&lt;id&gt;</c>).
    /// </summary>
    private async Task<(Caller Caller, RegistrationAuthentication Authentication)> AuthenticateRegistrationAsync(string? claimedId, string? credential,
        CancellationToken cancellationToken)
    {
        var anonymous = Caller.Anonymous();
        if (claimedId is null)
        {
            throw await audit.RefuseAsync(anonymous, AuditActions.Register, ManifestIds.Unknown,
                Refusal.Invalid("The registration names no plugin.", [new FieldViolation("$.id", "Required: the id of the installed plugin.")]),
                null, cancellationToken);
        }

        return await audit.RecordFailuresAsync(anonymous, AuditActions.Register, Bound(claimedId), async () =>
        {
            bool installed;
            await using (var transaction = await database.BeginAsync(cancellationToken))
            {
                installed = await PluginStore.ExistsAsync(transaction, claimedId, cancellationToken);
            }

            if (!installed)
            {
                throw await audit.RefuseAsync(anonymous, AuditActions.Register, Bound(claimedId),
                    Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.NotInstalled,
                        $"Plugin '{Bound(claimedId)}' is not installed: an administrator must install (approve) its manifest before it can register."),
                    Claimed(claimedId), cancellationToken);
            }

            var authentication = await authenticator.AuthenticateAsync(claimedId, credential, cancellationToken);
            if (!authentication.Succeeded)
            {
                var details = Claimed(claimedId);
                if (RegistrationSecret.Parse(credential) is { } presented)
                {
                    // The credential id is public; the secret never goes anywhere.
                    details["credential_id"] = presented.CredentialId;
                }

                throw await audit.RefuseAsync(anonymous, AuditActions.Register, Bound(claimedId),
                    Refusal.Of(RefusalKind.Unauthenticated, RefusalCodes.InvalidRegistrationCredential, authentication.Failure!), details, cancellationToken);
            }

            return (anonymous with { Actor = Caller.Plugin(claimedId).Actor }, authentication);
        }, cancellationToken);
    }

    private async Task<TokenGrant> RegisterAsync(Caller caller, RegistrationAuthentication authentication, ManifestValidationResult validation, string? digest,
        string pluginId, string? address, CancellationToken cancellationToken)
    {
        return await audit.RecordFailuresAsync(caller, AuditActions.Register, pluginId, async () =>
        {
            var violations = validation.Errors.Select(e => new FieldViolation(e.Path, e.Message)).ToList();
            if (AddressProblem(address) is { } addressProblem)
            {
                violations.Add(new FieldViolation("address", addressProblem));
            }

            if (violations.Count > 0 || validation.Manifest is null || digest is null)
            {
                throw await audit.RefuseAsync(caller, AuditActions.Register, pluginId,
                    Refusal.Invalid($"The registration is invalid: {violations.Count} problem(s).", violations), null, cancellationToken);
            }

            var manifest = validation.Manifest;
            await using var transaction = await database.BeginAsync(cancellationToken);
            // Registering may enable the plugin (enable_on_register), a decision on its dependencies' states.
            await DependencyRules.LockAsync(transaction, cancellationToken);
            await transaction.LockAsync(LockKey(manifest.Id), cancellationToken);
            var plugin = await PluginStore.FindAsync(transaction, manifest.Id, forUpdate: true, cancellationToken);
            if (plugin is null)
            {
                // Uninstalled since the cheap check.
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Register, manifest.Id,
                    Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.NotInstalled,
                        $"Plugin '{manifest.Id}' is not installed: an administrator must install (approve) its manifest before it can register."),
                    null, cancellationToken);
            }

            // Under the plugin's lock, which rotation and revocation take too: one that committed since the cheap check wins.
            if (await authenticator.ConfirmAsync(transaction, plugin.Id, authentication, cancellationToken) is { } stale)
            {
                throw await audit.RefuseAsync(transaction, caller with { Actor = Caller.AnonymousActor }, AuditActions.Register, plugin.Id,
                    Refusal.Of(RefusalKind.Unauthenticated, RefusalCodes.InvalidRegistrationCredential, stale), Claimed(plugin.Id), cancellationToken);
            }

            if (!string.Equals(digest, plugin.ManifestDigest, StringComparison.Ordinal))
            {
                // Only the pinned version may register (issue 3 section 3); say so when the manifest is another installed version.
                var known = PluginVersions.FindByDigest(await PluginStore.ListManifestVersionsAsync(transaction, manifest.Id, cancellationToken), digest);
                var mismatch = known is null
                    ? $"The manifest presented by '{manifest.Id}' (version {manifest.Version}) differs in content from the installed manifest (pinned version {plugin.Version}, revision {plugin.ManifestRevision}): an administrator must install the new manifest first."
                    : $"The manifest presented by '{manifest.Id}' is installed version {known.Version}, but the pinned version is {plugin.Version}: only the pinned version may register. Register with the {plugin.Version} manifest, or ask an administrator to roll back to {known.Version}.";
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Register, manifest.Id,
                    Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.ManifestMismatch, mismatch),
                    new JsonObject { ["presented_digest"] = digest, ["installed_digest"] = plugin.ManifestDigest, ["pinned_version"] = plugin.Version }, cancellationToken);
            }

            var decision = PluginLifecycle.Decide(plugin.Status, LifecycleTrigger.Register);
            if (!decision.IsAllowed)
            {
                throw await audit.RefuseAsync(transaction, caller, AuditActions.Register, plugin.Id,
                    Refusal.Of(RefusalKind.FailedPrecondition, RefusalCodes.IllegalTransition, $"Plugin '{plugin.Id}': {decision.Refusal}"),
                    new JsonObject { ["status"] = PluginLifecycle.StateName(plugin.Status) }, cancellationToken);
            }

            var from = plugin.Status;
            plugin = await PluginStore.RecordRegistrationAsync(transaction, plugin, decision.To, address!, cancellationToken);
            var reason = from == decision.To ? "registered again (restart)" : "registered";
            if (plugin.PreviousAddress is { } previousAddress)
            {
                reason += $" from a new address (was {previousAddress})";
            }

            await journal.RecordAsync(transaction, plugin.Id, from, decision.To, LifecycleTrigger.Register, caller, reason, cancellationToken,
                address, plugin.PreviousAddress);

            // Push delivery (issue 11 section 3): the plugin gets its push secret with its token; kept across registrations.
            (string Secret, bool Issued)? push = manifest.Events.Delivery == EventDelivery.Push
                ? await pushSecrets.EnsureAsync(transaction, plugin.Id, cancellationToken)
                : null;
            var details = new JsonObject
            {
                ["address"] = address,
                ["previous_address"] = plugin.PreviousAddress,
                ["from"] = PluginLifecycle.StateName(from),
                ["to"] = PluginLifecycle.StateName(decision.To),
                ["credential_id"] = authentication.CredentialId,
            };
            if (push is { } issuedOrKept)
            {
                // Whether a secret was generated, never the secret.
                details["push_secret"] = issuedOrKept.Issued ? "issued" : "kept";
            }

            await AuditLog.SucceededAsync(transaction, caller, AuditActions.Register, plugin.Id, reason, details, cancellationToken);

            if (plugin is { Status: PluginState.Registered, EnableOnRegister: true })
            {
                plugin = await EnableOnRegisterAsync(transaction, plugin, caller, cancellationToken);
            }

            var token = await issuer.IssueAsync(transaction, plugin, cancellationToken);
            journal.UpsertAfterCommit(transaction, plugin);
            await transaction.CommitAsync(cancellationToken);
            return new TokenGrant(plugin, token, push?.Secret);
        }, cancellationToken);
    }

    /// <summary>
    /// The installation asked to be enabled on registration: core enables it as actor <c>system</c>, unless the
    /// activation rules refuse, in which case it stays registered and the refusal is audited with the registration.
    /// </summary>
    private async Task<PluginRecord> EnableOnRegisterAsync(RegistryTransaction transaction, PluginRecord plugin, Caller registrant, CancellationToken cancellationToken)
    {
        var system = registrant with { Actor = Caller.SystemActor };
        var refusal = await ActivationRules.CheckAsync(transaction, plugin, cancellationToken);
        if (refusal is not null)
        {
            await AuditLog.AppendAsync(transaction, new AuditEntry(system.Actor, AuditActions.Enable, plugin.Id, AuditOutcome.Refused,
                refusal.Reason, system.CorrelationId, new JsonObject { ["code"] = refusal.Code, ["trigger"] = "enable_on_register" }), cancellationToken);
            return plugin;
        }

        var decision = PluginLifecycle.Decide(plugin.Status, LifecycleTrigger.Enable);
        plugin = await PluginStore.SetStatusAsync(transaction, plugin, decision.To, cancellationToken);
        await journal.RecordAsync(transaction, plugin.Id, PluginState.Registered, decision.To, LifecycleTrigger.Enable, system, "enable_on_register", cancellationToken);
        await AuditLog.SucceededAsync(transaction, system, AuditActions.Enable, plugin.Id, "enable_on_register",
            new JsonObject { ["from"] = "registered", ["to"] = "active" }, cancellationToken);
        return plugin;
    }

    private static string? AddressProblem(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return "Required: the absolute http(s) base address where core can reach the plugin.";
        }

        return Uri.TryCreate(address, UriKind.Absolute, out var uri)
               && uri.Scheme is "http" or "https"
               && string.IsNullOrEmpty(uri.UserInfo)
               && string.IsNullOrEmpty(uri.Query)
               && string.IsNullOrEmpty(uri.Fragment)
            ? null
            : $"'{address}' is not an absolute http(s) base address without credentials, query or fragment.";
    }

    private static List<FieldViolation> MetricViolations(IReadOnlyDictionary<string, double> metrics)
    {
        var violations = new List<FieldViolation>();
        if (metrics.Count > MaxMetrics)
        {
            violations.Add(new FieldViolation("$.metrics", $"At most {MaxMetrics} metrics per heartbeat."));
        }

        foreach (var (name, value) in metrics)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 64)
            {
                violations.Add(new FieldViolation("$.metrics", "Metric names must be 1–64 characters."));
            }
            else if (!double.IsFinite(value))
            {
                violations.Add(new FieldViolation($"$.metrics.{name}", "Metric values must be finite numbers."));
            }
        }

        return violations;
    }

    private static JsonObject TokenDetails(IssuedToken token) => new()
    {
        ["kid"] = token.KeyId,
        ["jti"] = token.Jti.ToString("D"),
        ["expires_at"] = token.ExpiresAt.ToString("O"),
    };

    internal static string LockKey(string pluginId) => $"fabrix.registry.plugin:{pluginId}";

    /// <summary>A caller-supplied id as recorded: at most <see cref="MaxClaimedIdLength"/> characters.</summary>
    internal static string Bound(string? claimed) =>
        string.IsNullOrEmpty(claimed) ? ManifestIds.Unknown : claimed.Length <= MaxClaimedIdLength ? claimed : claimed[..MaxClaimedIdLength];

    private static JsonObject Claimed(string? claimed) => new() { ["claimed_plugin_id"] = Bound(claimed) };

    /// <summary>The manifest's <c>id</c> as a non-empty string, without validating anything else; null when absent.</summary>
    private static string? ClaimedIdOf(JsonElement manifest) =>
        manifest.ValueKind == JsonValueKind.Object && manifest.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            && id.GetString() is { Length: > 0 } text
            ? text
            : null;

    private static string? ClaimedIdOf(string manifestJson)
    {
        try
        {
            using var document = JsonDocument.Parse(manifestJson);
            return ClaimedIdOf(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The subject an invalid token claims, for the audit row only (never trusted).</summary>
    private static string? UnverifiedSubjectOf(string? authorizationHeader)
    {
        const string bearer = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) || authorizationHeader.Length > 8192)
        {
            return null;
        }

        var handler = new JsonWebTokenHandler();
        var token = authorizationHeader[bearer.Length..].Trim();
        try
        {
            return handler.CanReadToken(token) ? handler.ReadJsonWebToken(token).Subject : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
