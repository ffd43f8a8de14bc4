using Fabrix.Contracts.Manifests;

namespace Fabrix.Core.Registry.Requests;

/// <summary>
/// gRPC receive limits, set per service on purpose (issue 7 section 3) instead of the framework's 4 MB default. A
/// message over its service's limit is refused by Grpc.AspNetCore with RESOURCE_EXHAUSTED before it is deserialized:
/// nothing is read into a request object, nothing is changed, nothing reaches the database.
/// </summary>
internal static class RequestLimits
{
    /// <summary>
    /// <c>RegistryAdmin</c>: the largest requests carry one manifest (install, upgrade, preview) plus a reason; the
    /// manifest bound plus headroom for the protobuf framing, the reason and the other fields.
    /// </summary>
    public const int RegistryAdmin = ManifestBounds.MaxManifestBytes + (64 * 1024);

    /// <summary>
    /// <c>PluginRegistry</c>: <c>Register</c> carries a manifest, an address and a credential; heartbeats and renewals
    /// are tiny, but the limit is per service. The same bound as the administrator API.
    /// </summary>
    public const int PluginRegistry = ManifestBounds.MaxManifestBytes + (64 * 1024);

    /// <summary>
    /// <c>AuditLog</c>: filters and page tokens; kept at the framework's 4 MB because an administrator may send an
    /// offline anchor export for verification (issue 7 section 2).
    /// </summary>
    public const int AuditLog = 4 * 1024 * 1024;

    /// <summary>Every other gRPC service (health, reflection): requests of a few bytes.</summary>
    public const int Default = 16 * 1024;

    /// <summary>The limit of the service named <paramref name="serviceName"/> (its full protobuf name).</summary>
    public static int For(string serviceName) => serviceName switch
    {
        "fabrix.registry.v1.RegistryAdmin" => RegistryAdmin,
        "fabrix.registry.v1.PluginRegistry" => PluginRegistry,
        "fabrix.registry.v1.AuditLog" => AuditLog,
        _ => Default,
    };
}
