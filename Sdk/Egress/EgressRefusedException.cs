namespace Fabrix.Plugins.Sdk;

/// <summary>
/// The Fabrix egress proxy (Core.Proxy, issue 12) refused a request or a <c>CONNECT</c> tunnel of an egress client
/// (<see cref="FabrixEgressClientExtensions.AddFabrixEgressClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, string)"/>). <see cref="ReasonCode"/> is the proxy's code, e.g.
/// <c>not_allowlisted</c>, <c>denied_domain</c>, <c>loopback</c>, <c>metadata</c>, <c>private_address</c>,
/// <c>unresolvable</c>, <c>malformed</c>, <c>egress_disabled</c>, <c>token_invalid</c>, <c>rate_limited</c>.
/// </summary>
/// <remarks>
/// Deliberately not an <see cref="HttpRequestException"/>: a refusal is a policy decision, not a transient failure, and
/// the standard resilience handler (Aspire's ServiceDefaults) retries <see cref="HttpRequestException"/>s.
/// </remarks>
public sealed class EgressRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="statusCode">The proxy's status: 400, 403, 407, 429, 502 or 503.</param>
    /// <param name="reasonCode">The proxy's reason code (its <c>Fabrix-Egress-Reason</c> header).</param>
    /// <param name="target">What was asked for: the URL, or <c>host:port</c> of a tunnel.</param>
    public EgressRefusedException(int statusCode, string reasonCode, string target)
        : base($"The Fabrix egress proxy refused {target}: {reasonCode} ({statusCode}).")
    {
        StatusCode = statusCode;
        ReasonCode = reasonCode;
        Target = target;
    }

    /// <summary>The proxy's HTTP status.</summary>
    public int StatusCode { get; }

    /// <summary>The proxy's reason code.</summary>
    public string ReasonCode { get; }

    /// <summary>The URL, or <c>host:port</c> of a tunnel, that was refused.</summary>
    public string Target { get; }
}
