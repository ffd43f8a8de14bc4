namespace Fabrix.Contracts.Errors;

/// <summary>
/// The Proxy lane's own reason codes (issue 12), lower-case like the egress decision codes
/// (<c>not_allowlisted</c>, <c>denied_domain</c>, <c>loopback</c>, ...): what Core.Proxy answers in
/// <c>Fabrix-Egress-Reason</c> and the ProblemDetails <c>code</c>, and writes to the decision audit; what the CLI and
/// the console read back from it.
/// </summary>
public static class ProxyReasons
{
    /// <summary>No usable policy snapshot: everything is refused (503).</summary>
    public const string NoPolicy = "no_policy";

    /// <summary>The Proxy lane is switched off, or the egress kill switch is on (503).</summary>
    public const string EgressDisabled = "egress_disabled";

    /// <summary>No token, or one in neither Bearer nor Basic form (407).</summary>
    public const string TokenMissing = "token_missing";

    /// <summary>The token was refused by the shared token check: bad, expired, another manifest, plugin not active (407).</summary>
    public const string TokenInvalid = "token_invalid";

    /// <summary>The plugin is over its request rate (429 with <c>Retry-After</c>).</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>The plugin's bandwidth budget is used up: a new request or tunnel waits for it (429 with <c>Retry-After</c>).</summary>
    public const string BandwidthExhausted = "bandwidth_exhausted";

    /// <summary>A request in origin form, not a proxy request (400).</summary>
    public const string NotAProxyRequest = "not_a_proxy_request";

    /// <summary>The upstream could not be reached or did not answer properly (502, or 504 on a timeout).</summary>
    public const string UpstreamFailed = "upstream_failed";

    /// <summary>The upstream's response passed the configured size cap and was cut off.</summary>
    public const string ResponseTooLarge = "response_too_large";

    /// <summary>The decision could not be audited (the audit buffer is full and the lane fails closed): 503.</summary>
    public const string AuditUnavailable = "audit_unavailable";
}
