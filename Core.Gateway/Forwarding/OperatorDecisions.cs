using Fabrix.Core.Gateway.Refusals;
using Fabrix.Core.Lanes.Operator;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Core.Lanes.Tokens;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>What the operator policy made of one call, in the gateway's terms.</summary>
/// <param name="Target">The target plugin when allowed.</param>
/// <param name="Refusal">The refusal, or null when allowed.</param>
/// <param name="AuditTarget">What the audit record names: <c>target METHOD /path [endpoint]</c>, never the query.</param>
/// <param name="Destination">When allowed: the target's address, the path the policy matched byte for byte, the query as it came.</param>
internal readonly record struct OperatorRoute(PluginPolicy? Target, GatewayRefusal? Refusal, string AuditTarget, Uri? Destination);

/// <summary>
/// Runs the one operator policy (<see cref="OperatorPolicy"/>, <c>Core.Lanes/Operator/README.md</c> gives its check
/// order and codes) on the gateway's current snapshot and turns its decision into a route or a refusal.
/// </summary>
internal sealed class OperatorDecisions(PolicySnapshotClient snapshots)
{
    /// <summary>Longest path an audit record carries of a refused call (a refused path may be anything the caller sent).</summary>
    private const int MaxAuditedPath = 512;

    private volatile SnapshotOperatorSource? _source;

    /// <summary>Decides an HTTP call on <c>/{target}/{**path}</c> or <c>/contracts/{contract}/{**path}</c>.</summary>
    public OperatorRoute DecideHttp(PluginCaller caller, string method, string rawTarget) =>
        Route(OperatorRequest.ForGatewayTarget(caller.PluginId, method, rawTarget), method, rawTarget);

    /// <summary>Decides a gRPC call whose target is named by the <c>fabrix-target</c> header.</summary>
    public OperatorRoute DecideGrpc(PluginCaller caller, string targetId, string pathAndQuery) =>
        Route(OperatorRequest.ForPlugin(caller.PluginId, targetId, HttpMethods.Post, pathAndQuery), HttpMethods.Post, pathAndQuery);

    private OperatorRoute Route(in OperatorRequest request, string method, string rawTarget)
    {
        if (Source() is not { } source)
        {
            return new OperatorRoute(null, GatewayRefusal.NoPolicy, $"- {method} {AuditedPath(rawTarget)}", null);
        }

        var decision = OperatorPolicy.Decide(source, request);
        if (!decision.Allowed)
        {
            var refusal = new GatewayRefusal(decision.StatusCode, decision.Code, decision.Message,
                RetryAfterSeconds: decision.StatusCode == StatusCodes.Status503ServiceUnavailable ? 1 : null,
                Candidates: decision.Candidates.Count > 0 ? decision.Candidates : null);
            return new OperatorRoute(decision.Target, refusal, $"{decision.TargetId ?? "-"} {method} {AuditedPath(rawTarget)}", null);
        }

        var target = decision.Target!;
        var path = decision.ForwardPathSpan;
        var audited = $"{target.Id} {method} {decision.ForwardPath} [{decision.EndpointName}]";
        if (target.Address is not { } address)
        {
            return new OperatorRoute(target, GatewayRefusal.TargetNotRegistered(target.Id), audited, null);
        }

        var destination = new Uri(string.Concat(address.AsSpan().TrimEnd('/'), path, decision.QuerySpan), UriKind.Absolute);
        return new OperatorRoute(target, null, audited, destination);
    }

    /// <summary>The operator view of the current snapshot; null when the snapshot is not usable (fail closed).</summary>
    private SnapshotOperatorSource? Source()
    {
        var view = snapshots.Current;
        if (!view.IsUsable || view.Snapshot is not { } snapshot)
        {
            return null;
        }

        var source = _source;
        if (source is null || !ReferenceEquals(source.Snapshot, snapshot))
        {
            source = new SnapshotOperatorSource(snapshot);
            _source = source;
        }

        return source;
    }

    private static string AuditedPath(string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? rawTarget : rawTarget[..query];
        return path.Length <= MaxAuditedPath ? path : path[..MaxAuditedPath];
    }
}
