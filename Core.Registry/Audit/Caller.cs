using System.Diagnostics;
using System.Security.Claims;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// Who asks, as the audit log and lifecycle history name them: <c>user:&lt;name&gt;</c> for an administrator,
/// <c>plugin:&lt;id&gt;</c> for a plugin, <c>system</c> for core itself, <c>anonymous</c> before authentication
/// (registry.proto, LifecycleEvent.actor). The correlation id is the request's trace id, so an audit row leads to
/// the trace.
/// </summary>
internal sealed record Caller(string Actor, string CorrelationId, IReadOnlyList<string> Roles)
{
    public const string SystemActor = "system";
    public const string AnonymousActor = "anonymous";

    public static Caller Anonymous() => new(AnonymousActor, NewCorrelationId(), []);

    public static Caller System() => new(SystemActor, NewCorrelationId(), []);

    public static Caller Plugin(string pluginId) => new($"plugin:{pluginId}", NewCorrelationId(), []);

    public static Caller Administrator(ClaimsPrincipal principal, IReadOnlyList<string> roles) =>
        new($"user:{NameOf(principal)}", NewCorrelationId(), roles);

    /// <summary>The current trace id when there is an activity (every request has one), otherwise a fresh id.</summary>
    public static string NewCorrelationId() =>
        Activity.Current is { } activity && activity.TraceId != default
            ? activity.TraceId.ToHexString()
            : Guid.NewGuid().ToString("N");

    private static string NameOf(ClaimsPrincipal principal) =>
        principal.Identity?.Name is { Length: > 0 } name
            ? name
            : principal.FindFirst("preferred_username")?.Value
              ?? principal.FindFirst("name")?.Value
              ?? principal.FindFirst("sub")?.Value
              ?? principal.FindFirst("oid")?.Value
              ?? "unknown";
}
