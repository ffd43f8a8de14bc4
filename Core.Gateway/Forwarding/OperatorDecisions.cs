using Fabrix.Core.Gateway.Refusals;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Core.Lanes.Tokens;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>What the operator policy made of one call, in the gateway's terms.</summary>
/// <param name="Target">The target plugin when allowed.</param>
/// <param name="Refusal">The refusal, or null when allowed.</param>
/// <param name="AuditTarget">What the audit record names: <c>target METHOD /normalised/path</c> (never the query).</param>
/// <param name="ForwardPath">The path the policy matched, to forward byte for byte (without the <c>/{target}</c> prefix).</param>
internal sealed record OperatorRoute(PluginPolicy? Target, GatewayRefusal? Refusal, string AuditTarget, string? ForwardPath)
{
    /// <summary>The URL to forward to: the target's address, the matched path, and the raw query as it came.</summary>
    public Uri Destination(string address, string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal) is var at and >= 0 ? rawTarget.AsSpan(at) : [];
        return new Uri(string.Concat(address.AsSpan().TrimEnd('/'), ForwardPath, query), UriKind.Absolute);
    }
}

/// <summary>TEMPORARY</summary>
internal sealed class OperatorDecisions(PolicySnapshotClient snapshots)
{
    public OperatorRoute Decide(PluginCaller caller, string method, string rawTarget)
    {
        var snapshot = snapshots.Current.Snapshot!;
        var path = rawTarget.Split('?')[0];
        var slash = path.IndexOf('/', 1);
        var id = slash < 0 ? path[1..] : path[1..slash];
        var rest = slash < 0 ? "/" : path[slash..];
        var target = snapshot.Find(id);
        return target is null
            ? new OperatorRoute(null, new GatewayRefusal(404, "UNKNOWN_TARGET", "x"), $"{id} {method} {rest}", null)
            : new OperatorRoute(target, null, $"{id} {method} {rest}", rest);
    }
}
