using Fabrix.Contracts.Manifests;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// A plugin the monitor watches, as <see cref="IHealthStore.LoadTargetsAsync"/> returns it: every <c>active</c>
/// plugin, with its registered address, its manifest's <c>health_check</c> (null when it relies on heartbeats), its
/// persisted status and its last stored heartbeat with the metrics it carried.
/// </summary>
internal sealed record HealthTarget(
    string PluginId,
    string? Address,
    ManifestHealthCheck? HealthCheck,
    HealthStatus Status,
    DateTimeOffset? LastHeartbeatAt,
    IReadOnlyDictionary<string, double>? LastHeartbeatMetrics = null)
{
    /// <summary>A plugin that declares no <c>health_check</c> is judged by its heartbeats (issue 3 §1).</summary>
    public bool ReliesOnHeartbeats => HealthCheck is null;
}

/// <summary>How a plugin is probed.</summary>
internal enum HealthProbeKind
{
    /// <summary>HTTP GET; 200 is healthy (seed 004 "Active polling").</summary>
    Http,

    /// <summary>The standard <c>grpc.health.v1.Health/Check</c>; <c>SERVING</c> is healthy.</summary>
    Grpc,
}

/// <summary>
/// Where to probe: for HTTP the full URL, for gRPC the channel address (h2c). Built from the plugin's registered
/// address (host only) and its manifest's <c>health_check</c> (port, path): the manifest's port wins because a plugin
/// may serve health on a management port apart from its API.
/// </summary>
internal sealed record HealthProbeSpec(HealthProbeKind Kind, Uri Endpoint)
{
    /// <summary>
    /// The probe for <paramref name="healthCheck"/> at the host of <paramref name="address"/>, or null with the reason
    /// when none can be built (no usable address, unknown type).
    /// </summary>
    public static HealthProbeSpec? Resolve(string? address, ManifestHealthCheck healthCheck, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(healthCheck);
        if (!Uri.TryCreate(address, UriKind.Absolute, out var registered) || registered.Scheme is not ("http" or "https") || string.IsNullOrEmpty(registered.Host))
        {
            problem = address is null
                ? "the plugin has no registered address to probe"
                : $"the registered address '{address}' is not an absolute http(s) URL";
            return null;
        }

        // Plain HTTP (h2c for gRPC): health ports are management ports inside the platform's network; the manifest
        // has no field for TLS on them (issue 3 §1 "HTTP GET path").
        var authority = new UriBuilder(Uri.UriSchemeHttp, registered.Host, healthCheck.Port).Uri;
        switch (healthCheck.Type)
        {
            case "http":
                var path = string.IsNullOrEmpty(healthCheck.Path) ? "/" : healthCheck.Path;
                problem = null;
                return new HealthProbeSpec(HealthProbeKind.Http, new Uri(authority, path));
            case "grpc":
                problem = null;
                return new HealthProbeSpec(HealthProbeKind.Grpc, authority);
            default:
                problem = $"health_check type '{healthCheck.Type}' is not http or grpc";
                return null;
        }
    }
}
