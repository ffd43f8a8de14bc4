namespace Fabrix.Contracts.Errors;

/// <summary>
/// The registry's stable machine-readable refusal codes, carried as the <c>google.rpc.ErrorInfo</c> reason of a gRPC
/// status (domain <see cref="ErrorDomain"/>) and as the <c>code</c> of a ProblemDetails. Wire vocabulary: the registry
/// produces them, the SDK, CLI and console read them (<see cref="RegistryError"/>); a code never changes meaning.
/// </summary>
public static class RefusalCodes
{
    /// <summary>The <c>google.rpc.ErrorInfo</c> domain on every status the registry itself produced.</summary>
    public const string ErrorDomain = "registry.fabrix";

    /// <summary>The request or the manifest breaks a rule; the status carries field violations.</summary>
    public const string InvalidArgument = "INVALID_ARGUMENT";
    /// <summary>No valid credentials.</summary>
    public const string Unauthenticated = "UNAUTHENTICATED";
    /// <summary>Authenticated, but the caller lacks the role the operation needs.</summary>
    public const string MissingRole = "MISSING_ROLE";
    /// <summary>A plugin tried to register without being installed by an administrator.</summary>
    public const string NotInstalled = "NOT_INSTALLED";
    /// <summary>The manifest presented differs from the installed one.</summary>
    public const string ManifestMismatch = "MANIFEST_MISMATCH";
    /// <summary>The plugin (or another named object) does not exist.</summary>
    public const string NotFound = "NOT_FOUND";
    /// <summary>The lifecycle does not allow this action from the plugin's current status.</summary>
    public const string IllegalTransition = "ILLEGAL_TRANSITION";
    /// <summary>The plugin is already installed.</summary>
    public const string AlreadyInstalled = "ALREADY_INSTALLED";
    /// <summary>Enable refused: a declared dependency is not active.</summary>
    public const string DependenciesNotActive = "DEPENDENCIES_NOT_ACTIVE";
    /// <summary>Enable refused: the pinned manifest no longer passes today's validation.</summary>
    public const string ManifestNoLongerValid = "MANIFEST_NO_LONGER_VALID";
    /// <summary>A plugin token was used for another plugin's operation.</summary>
    public const string NotOwnPlugin = "NOT_OWN_PLUGIN";

    // Issue 7: registration credentials and request bounds.
    /// <summary>The registration credential is missing, wrong, rotated away or revoked (UNAUTHENTICATED, 401).</summary>
    public const string InvalidRegistrationCredential = "INVALID_REGISTRATION_CREDENTIAL";

    /// <summary>Revoke when there is no credential, or it is already revoked.</summary>
    public const string CredentialAlreadyRevoked = "CREDENTIAL_ALREADY_REVOKED";

    /// <summary>A REST body whose Content-Type is not application/json (HTTP 415).</summary>
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";

    /// <summary>A request body over the endpoint's bound (HTTP 413, gRPC RESOURCE_EXHAUSTED).</summary>
    public const string RequestTooLarge = "REQUEST_TOO_LARGE";

    // Issue 3: dependencies and versions.
    /// <summary>A declared dependency is not installed (install, upgrade, rollback).</summary>
    public const string DependenciesNotInstalled = "DEPENDENCIES_NOT_INSTALLED";

    /// <summary>The dependencies would form (or form) a cycle; the message names it: <c>a → b → c → a</c>.</summary>
    public const string DependencyCycle = "DEPENDENCY_CYCLE";

    /// <summary>Disable or unregister without cascade while active plugins depend on the plugin.</summary>
    public const string ActiveDependents = "ACTIVE_DEPENDENTS";

    /// <summary>Uninstall while installed plugins declare the plugin as a dependency.</summary>
    public const string InstalledDependents = "INSTALLED_DEPENDENTS";

    /// <summary>The manifest's <c>platform</c> range excludes the running Fabrix version.</summary>
    public const string PlatformIncompatible = "PLATFORM_INCOMPATIBLE";

    /// <summary>The version is already installed (identical content, or different content: versions are immutable).</summary>
    public const string VersionExists = "VERSION_EXISTS";

    /// <summary>An upgrade whose version does not follow every installed version.</summary>
    public const string NotAnUpgrade = "NOT_AN_UPGRADE";

    /// <summary>The upgrade asks for more permissions and was not explicitly approved.</summary>
    public const string ApprovalRequired = "PERMISSION_APPROVAL_REQUIRED";

    /// <summary>Rollback to a version that is not installed.</summary>
    public const string VersionNotInstalled = "VERSION_NOT_INSTALLED";

    /// <summary>Rollback to the version that is already pinned.</summary>
    public const string VersionAlreadyPinned = "VERSION_ALREADY_PINNED";

    // Issue 9 section 2: core service identity.
    /// <summary>A valid plugin or administrator token where only a core service identity may call.</summary>
    public const string NotAService = "NOT_A_SERVICE";

    // Issue 10 section 2: the Operator lane's decisions (Core.Lanes/Operator/README.md gives the order and the status of each).
    /// <summary>The Operator lane's switch is off: every plugin-to-plugin call is refused.</summary>
    public const string OperatorLaneOff = "OPERATOR_LANE_OFF";

    /// <summary>The caller is not an installed plugin, or not <c>active</c>.</summary>
    public const string CallerNotActive = "CALLER_NOT_ACTIVE";

    /// <summary>The HTTP method is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (exactly, upper case).</summary>
    public const string MethodNotStandard = "METHOD_NOT_STANDARD";

    /// <summary>The path is not absolute, or holds a character that is not allowed raw (space, <c>#</c>, <c>"</c>, <c>&lt;</c>, <c>{</c>, non-ASCII, ...).</summary>
    public const string PathInvalidCharacter = "PATH_INVALID_CHARACTER";

    /// <summary>The path is over the lane's bound in characters or segments.</summary>
    public const string PathTooLong = "PATH_TOO_LONG";

    /// <summary>A <c>.</c> or <c>..</c> segment, plain or percent-encoded, or an encoded <c>.</c> anywhere.</summary>
    public const string PathDotSegment = "PATH_DOT_SEGMENT";

    /// <summary>An encoded <c>/</c> or <c>\</c> (<c>%2F</c>, <c>%5C</c>).</summary>
    public const string PathEncodedSeparator = "PATH_ENCODED_SEPARATOR";

    /// <summary>An encoded <c>%</c> (<c>%25</c>): double encoding.</summary>
    public const string PathEncodedPercent = "PATH_ENCODED_PERCENT";

    /// <summary>A NUL or other control character (C0, DEL, C1), raw or encoded.</summary>
    public const string PathControlCharacter = "PATH_CONTROL_CHARACTER";

    /// <summary>A <c>;</c> path parameter, raw or encoded (<c>%3B</c>).</summary>
    public const string PathParameter = "PATH_PARAMETER";

    /// <summary>An empty segment: <c>//</c> or a trailing <c>/</c>.</summary>
    public const string PathEmptySegment = "PATH_EMPTY_SEGMENT";

    /// <summary>Percent-encoding that is malformed (<c>%</c> without two hex digits) or not UTF-8 (overlong forms, surrogates, stray bytes).</summary>
    public const string PathMalformedEncoding = "PATH_MALFORMED_ENCODING";

    /// <summary>A raw backslash.</summary>
    public const string PathBackslash = "PATH_BACKSLASH";

    /// <summary>An encoded character that Unicode compatibility mapping (or a common best-fit mapping) turns into <c>.</c>, <c>/</c>, <c>\</c>, <c>%</c> or <c>;</c> (fullwidth dot, division slash, ...).</summary>
    public const string PathLookalikeCharacter = "PATH_LOOKALIKE_CHARACTER";

    /// <summary>The target is not exactly the id of an installed plugin (ids are lower case and compared exactly, never folded).</summary>
    public const string TargetNotInstalled = "TARGET_NOT_INSTALLED";

    /// <summary>The target is installed but not <c>active</c>.</summary>
    public const string TargetNotActive = "TARGET_NOT_ACTIVE";

    /// <summary>The target is <c>unhealthy</c> (a <c>degraded</c> target is still served).</summary>
    public const string TargetUnhealthy = "TARGET_UNHEALTHY";

    /// <summary>No active plugin provides the contract.</summary>
    public const string ContractNoProvider = "CONTRACT_NO_PROVIDER";

    /// <summary>Several active plugins provide the contract and an administrator has chosen none of them; the decision names the candidates.</summary>
    public const string ContractAmbiguous = "CONTRACT_AMBIGUOUS";

    /// <summary>The caller neither lists the target in its manifest <c>dependencies</c> nor holds an administrator's grant to it.</summary>
    public const string NotADependency = "NOT_A_DEPENDENCY";

    /// <summary>The target handles PHI (<c>handles_phi</c>) and the caller does not.</summary>
    public const string PhiTraitRequired = "PHI_TRAIT_REQUIRED";

    /// <summary>No declared endpoint of the target matches the path.</summary>
    public const string EndpointNotDeclared = "ENDPOINT_NOT_DECLARED";

    /// <summary>A declared endpoint matches the path, but none of those that match allows the method.</summary>
    public const string EndpointMethodNotAllowed = "ENDPOINT_METHOD_NOT_ALLOWED";

    // Issue 10 section 3: a plugin refuses a request that did not come through the gateway (HTTP 401, gRPC UNAUTHENTICATED).
    /// <summary>A request to a plugin without a valid caller context for that plugin.</summary>
    public const string CallerContextRequired = "CALLER_CONTEXT_REQUIRED";

    // Issue 9 section 1 / issue 10 section 2: administrator lane control.
    /// <summary>An operator grant was asked for a plugin towards itself (a plugin needs no grant to reach itself).</summary>
    public const string SelfGrant = "SELF_GRANT";

    /// <summary>The operator grant to revoke does not exist.</summary>
    public const string GrantNotFound = "GRANT_NOT_FOUND";

    /// <summary>The contract has no provider preference to clear.</summary>
    public const string PreferenceNotFound = "PREFERENCE_NOT_FOUND";

    /// <summary>The plugin chosen as a contract's preferred provider does not declare that contract in its pinned manifest.</summary>
    public const string NotAProvider = "NOT_A_PROVIDER";

    // Outages: the registry could not serve the request; nothing was changed (gRPC UNAVAILABLE, HTTP 503).
    /// <summary>The registry cannot reach its database.</summary>
    public const string DatabaseUnavailable = "DATABASE_UNAVAILABLE";

    /// <summary>The registry cannot reach NATS.</summary>
    public const string MessagingUnavailable = "MESSAGING_UNAVAILABLE";

    /// <summary>The registry cannot reach another dependency.</summary>
    public const string DependencyUnavailable = "DEPENDENCY_UNAVAILABLE";

    // Issue 10: the Operator lane (Core.Gateway). The policy's own codes (path, endpoint, dependency, trait) are above.
    /// <summary>The lane holds no usable policy snapshot (none yet, or stale): it refuses everything (HTTP 503).</summary>
    public const string LaneNoPolicy = "LANE_NO_POLICY";

    /// <summary>No plugin token in <c>Authorization: Bearer</c> (HTTP 401).</summary>
    public const string CallerTokenMissing = "CALLER_TOKEN_MISSING";

    /// <summary>The caller's plugin token was refused by the lanes' token check; the ProblemDetails names why (HTTP 401).</summary>
    public const string CallerTokenInvalid = "CALLER_TOKEN_INVALID";

    /// <summary>The decision could not be audited (the lane's audit buffer is full and it fails closed): not forwarded (HTTP 503).</summary>
    public const string AuditUnavailable = "AUDIT_UNAVAILABLE";

    /// <summary>The target is allowed but has no registered address (HTTP 503).</summary>
    public const string TargetNotRegistered = "TARGET_NOT_REGISTERED";

    /// <summary>The target could not be reached or broke the response off (HTTP 502).</summary>
    public const string TargetUnreachable = "TARGET_UNREACHABLE";

    /// <summary>The target made no progress within the gateway's target timeout (HTTP 504).</summary>
    public const string TargetTimeout = "TARGET_TIMEOUT";

    /// <summary>The caller is over its call rate on the lane (HTTP 429 with <c>Retry-After</c>).</summary>
    public const string RateLimited = "RATE_LIMITED";

    /// <summary>The target's circuit is open after repeated failures: the gateway does not call it until the break ends (HTTP 503 with <c>Retry-After</c>).</summary>
    public const string TargetCircuitOpen = "TARGET_CIRCUIT_OPEN";

    /// <summary>The target's response body is over the gateway's limit: refused before it started, cut off (aborted) after (HTTP 502).</summary>
    public const string ResponseTooLarge = "RESPONSE_TOO_LARGE";

    // Issue 12: the Proxy lane's global deny list.
    /// <summary>The pattern to remove is not on the egress deny list (NOT_FOUND).</summary>
    public const string DeniedDomainNotFound = "DENIED_DOMAIN_NOT_FOUND";

    // Issue 11: the Canonical lane (Core.Events). Token, policy and audit refusals use the codes above
    // (CALLER_TOKEN_MISSING, CALLER_TOKEN_INVALID, CALLER_NOT_ACTIVE, LANE_NO_POLICY, AUDIT_UNAVAILABLE, RATE_LIMITED).
    /// <summary>The Canonical lane's switch is off: Core.Events publishes and delivers nothing (HTTP 503, gRPC UNAVAILABLE).</summary>
    public const string CanonicalLaneOff = "CANONICAL_LANE_OFF";

    /// <summary>The event type is not a canonical event type (HTTP 404, gRPC INVALID_ARGUMENT).</summary>
    public const string EventTypeUnknown = "EVENT_TYPE_UNKNOWN";

    /// <summary>The type is not in the publisher's manifest <c>events.publishes</c> (HTTP 403, gRPC PERMISSION_DENIED).</summary>
    public const string EventTypeNotDeclared = "EVENT_TYPE_NOT_DECLARED";

    /// <summary>The payload does not parse strictly as the type (HTTP 400, gRPC INVALID_ARGUMENT).</summary>
    public const string EventPayloadInvalid = "EVENT_PAYLOAD_INVALID";

    /// <summary>The plugin's traits do not allow the type's classification (pii needs handles_pii, phi needs handles_phi) (HTTP 403, gRPC PERMISSION_DENIED).</summary>
    public const string EventClassificationNotAllowed = "EVENT_CLASSIFICATION_NOT_ALLOWED";

    /// <summary>JetStream refused the event or could not be reached (back-pressure, outage): nothing was stored; retry (HTTP 429 with <c>Retry-After</c>, gRPC RESOURCE_EXHAUSTED).</summary>
    public const string PublishBackpressure = "PUBLISH_BACKPRESSURE";

    /// <summary>
    /// The event was sent to JetStream, which did not acknowledge it in time: it may or may not be stored (and delivered).
    /// Retry with the same idempotency key, which returns the first event's id if it was stored; a retry without a key may
    /// store it twice (HTTP 504 with <c>Retry-After</c>, gRPC DEADLINE_EXCEEDED). The audit record names the event id.
    /// </summary>
    public const string PublishOutcomeUnknown = "PUBLISH_OUTCOME_UNKNOWN";

    /// <summary>The type is not in the subscriber's manifest <c>events.subscribes</c> (gRPC PERMISSION_DENIED).</summary>
    public const string EventTypeNotSubscribed = "EVENT_TYPE_NOT_SUBSCRIBED";

    /// <summary>Not a refusal of a request: the reason code of the audit record of an event moved to the dead-letter stream after its last delivery failed.</summary>
    public const string EventDeadLettered = "EVENT_DEAD_LETTERED";

    // Issue 11 section 4: outbound webhooks (registry WebhooksAdmin and Core.Events delivery).
    /// <summary>No webhook endpoint has that id (NOT_FOUND).</summary>
    public const string WebhookEndpointNotFound = "WEBHOOK_ENDPOINT_NOT_FOUND";

    /// <summary>Core.Events did not answer a manual webhook retry in time (FAILED_PRECONDITION): nothing was delivered; retry later.</summary>
    public const string WebhookRetryUnavailable = "WEBHOOK_RETRY_UNAVAILABLE";

    /// <summary>Not a refusal of a request: the reason code of the audit record of a webhook attempt that got no 2xx (or no response).</summary>
    public const string WebhookDeliveryFailed = "WEBHOOK_DELIVERY_FAILED";

    /// <summary>
    /// The reason code of the audit record of a webhook endpoint disabled by delivery (410 Gone, or failing for the
    /// configured period); also the refusal of a replay of a disabled endpoint (gRPC FAILED_PRECONDITION).
    /// </summary>
    public const string WebhookEndpointDisabled = "WEBHOOK_ENDPOINT_DISABLED";

    // Issue 11 sections 3 and 5: events administration (registry EventsAdmin, Core.Events control).
    /// <summary>No dead letter with that sequence in the dead-letter stream (HTTP 404, gRPC NOT_FOUND).</summary>
    public const string DeadLetterNotFound = "DEAD_LETTER_NOT_FOUND";

    /// <summary>No durable consumer for that (plugin, type): the plugin is not entitled to it, or it was never provisioned (HTTP 404, gRPC NOT_FOUND).</summary>
    public const string SubscriptionNotFound = "SUBSCRIPTION_NOT_FOUND";

    /// <summary>Core.Events did not answer the registry's control request in time, or failed it (HTTP 503, gRPC UNAVAILABLE).</summary>
    public const string EventsControlUnavailable = "EVENTS_CONTROL_UNAVAILABLE";

    // Issue 11 section 4: webhook replay (registry WebhooksAdmin.ReplayWebhookEndpoint, executed by Core.Events).
    /// <summary>A webhook replay's start is older than the canonical stream keeps events (gRPC INVALID_ARGUMENT, field since).</summary>
    public const string WebhookReplayOutOfRetention = "WEBHOOK_REPLAY_OUT_OF_RETENTION";

    /// <summary>A replay of that webhook endpoint is still in progress (gRPC FAILED_PRECONDITION): wait for it, or disable and enable the endpoint to cancel it.</summary>
    public const string WebhookReplayInProgress = "WEBHOOK_REPLAY_IN_PROGRESS";

    // Issue 11 section 3: HTTP push delivery (Core.Events).
    /// <summary>Not a refusal of a request: the reason code of the audit record of a push delivery that got no 2xx (or no response) from the plugin; it is redelivered with backoff.</summary>
    public const string EventPushFailed = "EVENT_PUSH_FAILED";

    /// <summary>The plugin receives its events by HTTP push (manifest <c>events.delivery: push</c>), so it may not also open the <c>Subscribe</c> stream (gRPC FAILED_PRECONDITION).</summary>
    public const string EventDeliveryIsPush = "EVENT_DELIVERY_IS_PUSH";

    // Issue 11 section 3: administrator rotation of a plugin's push secret (registry RegistryAdmin.RotatePushSecret).
    /// <summary>The plugin does not receive its events by HTTP push (pinned manifest <c>events.delivery</c> is not <c>push</c>), or has not registered with a push manifest yet, so it has no push secret to rotate (gRPC FAILED_PRECONDITION).</summary>
    public const string PushSecretNotIssued = "PUSH_SECRET_NOT_ISSUED";
}
