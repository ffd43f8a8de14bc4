using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Proxy.Quotas;
using Fabrix.Core.Lanes.Egress;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Core.Lanes.Tokens;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Proxy.Egress;

/// <summary>What the Proxy lane decided for one request or tunnel, with the HTTP status to answer a refusal with.</summary>
/// <param name="Allowed">Whether to connect.</param>
/// <param name="Status">The status of a refusal (407, 400, 403, 502, 503); 200 when allowed.</param>
/// <param name="Reason">The code: an <see cref="EgressReasons"/> code, or one of <see cref="EgressGate"/>'s lane codes.</param>
/// <param name="PluginId">The authenticated plugin, or null before authentication succeeded.</param>
/// <param name="Decision">The egress decision, when one was taken.</param>
internal sealed record ProxyVerdict(bool Allowed, int Status, string Reason, string? PluginId, EgressDecision? Decision)
{
    /// <summary>For a 429: seconds until the plugin's quota allows a new request (the <c>Retry-After</c> header).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The plugin's bandwidth budget when it has a bandwidth quota: the forwarder and the tunnel pump charge it.</summary>
    public Quotas.ByteBudget? Budget { get; init; }

    /// <summary>True when the plugin is in report mode (audited as the decision's mode).</summary>
    public bool ReportMode { get; init; }

    /// <summary>True when the plugin is in report mode and enforce mode would have refused (audited as such).</summary>
    public bool WouldRefuse => Decision?.WouldRefuse ?? false;
}

/// <summary>
/// The Proxy lane's decision for one request (issue 12 section 1), in order: a usable policy snapshot (else 503
/// <c>no_policy</c>), the lane on and the egress kill switch off (503 <c>egress_disabled</c>), a valid token of an
/// active plugin (407), the plugin's quotas (429 <c>rate_limited</c> or <c>bandwidth_exhausted</c>), then
/// <see cref="EgressDecider"/> with the plugin's pinned <c>allowed_domains</c>, the global deny list (the configured
/// patterns and the registry's, from the snapshot) and the test allowance (400 malformed, 403 refused, 502
/// unresolvable). Nothing here touches the database. The codes are <see cref="ProxyReasons"/>.
/// </summary>
internal sealed class EgressGate(PluginTokenCheck tokens, PolicySnapshotClient policy, IOptions<ProxyOptions> options, IEgressResolver resolver, EgressQuotas quotas)
{
    public const string NoPolicy = ProxyReasons.NoPolicy;

    public const string EgressDisabled = ProxyReasons.EgressDisabled;

    public const string TokenMissing = ProxyReasons.TokenMissing;

    public const string TokenInvalid = ProxyReasons.TokenInvalid;

    private readonly DomainPattern[] _denied = options.Value.DeniedPatterns();
    private readonly System.Net.IPNetwork? _testAllowance = options.Value.TestAllowance();

    public async ValueTask<ProxyVerdict> DecideAsync(string? proxyAuthorization, string target, int defaultPort, CancellationToken cancellationToken)
    {
        var view = policy.Current;
        if (!view.IsUsable || view.Snapshot is not { } snapshot)
        {
            return new ProxyVerdict(false, StatusCodes.Status503ServiceUnavailable, NoPolicy, null, null);
        }

        if (snapshot.EgressKilled || !snapshot.IsLaneOn(PolicySwitchName.LaneProxy))
        {
            return new ProxyVerdict(false, StatusCodes.Status503ServiceUnavailable, EgressDisabled, null, null);
        }

        var token = ProxyCredentials.Token(proxyAuthorization);
        if (token is null)
        {
            return new ProxyVerdict(false, StatusCodes.Status407ProxyAuthenticationRequired, TokenMissing, null, null);
        }

        var check = await tokens.CheckAsync(token, cancellationToken);
        if (!check.IsAccepted)
        {
            return check.Refusal.Code == PluginTokenRefusalCode.NoPolicy
                ? new ProxyVerdict(false, StatusCodes.Status503ServiceUnavailable, NoPolicy, null, null)
                : new ProxyVerdict(false, StatusCodes.Status407ProxyAuthenticationRequired, TokenInvalid, null, null);
        }

        var pluginId = check.Caller.PluginId;
        if (!EgressTarget.TryParse(target, defaultPort, out var parsed, out var reason))
        {
            return new ProxyVerdict(false, StatusCodes.Status400BadRequest, reason, pluginId, null);
        }

        var plugin = snapshot.Find(pluginId);
        var limits = plugin?.LaneLimits?.Proxy;
        if (quotas.TryStart(pluginId, limits) is { } over)
        {
            return new ProxyVerdict(false, StatusCodes.Status429TooManyRequests, over.Reason, pluginId, null) { RetryAfterSeconds = over.RetryAfterSeconds };
        }

        var allowed = plugin is null ? [] : plugin.AllowedDomains.Select(DomainPattern.Parse).OfType<DomainPattern>().ToArray();
        var denied = snapshot.DeniedPatterns.Count == 0 ? _denied : [.. _denied, .. snapshot.DeniedPatterns];
        var rules = new EgressRules(allowed, denied, ReportMode: ReportModeFor(plugin), TestAllowance: _testAllowance);
        var decision = await EgressDecider.DecideAsync(parsed, rules, resolver, cancellationToken);
        var status = decision.Allowed ? StatusCodes.Status200OK
            : decision.Reason switch
            {
                EgressReasons.Malformed or EgressReasons.CredentialsInUrl => StatusCodes.Status400BadRequest,
                EgressReasons.Unresolvable => StatusCodes.Status502BadGateway,
                _ => StatusCodes.Status403Forbidden,
            };
        return new ProxyVerdict(decision.Allowed, status, decision.Reason, pluginId, decision) { Budget = quotas.BudgetFor(pluginId, limits), ReportMode = rules.ReportMode };
    }

    /// <summary>Per-plugin report mode (issue 12 section 1): the administrator's Proxy-lane mode in the policy snapshot; enforce when unset.</summary>
    private static bool ReportModeFor(PluginPolicy? plugin) => plugin?.LaneLimits?.Proxy?.Mode == ProxyMode.Report;
}
