using Fabrix.Core.Gateway.Refusals;
using Fabrix.Core.Lanes.Operator;
using Fabrix.Core.Lanes.Policy;
using Fabrix.Core.Lanes.Tokens;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>What the operator policy made of one call, in the gateway's terms.</summary>
/// <param name="Target">The target plugin when the policy found it.</param>
/// <param name="Refusal">The refusal, or null when allowed.</param>
/// <param name="TargetId">The target's id as the policy resolved it; <c>-</c> when none.</param>
/// <param name="Path">The normalised path forwarded (allowed), or the path as received, at most 512 chars (refused); never the query.</param>
/// <param name="Endpoint">The matched manifest endpoint's name when allowed.</param>
/// <param name="Address">When allowed: the base address the call goes to (the registered one, or the target's gRPC address).</param>
/// <param name="Destination">When allowed: <see cref="Address"/>, the path the policy matched byte for byte, the query as it came.</param>
internal readonly record struct OperatorRoute(PluginPolicy? Target, GatewayRefusal? Refusal, string TargetId, string Path, string? Endpoint, string? Address,
    Uri? Destination)
{
    /// <summary>The audit record's short target: <c>&lt;target id&gt; &lt;path&gt;</c> (the rest is in its attributes).</summary>
    public string AuditTarget => string.Concat(TargetId, " ", Path);

    /// <summary>A call refused before the policy ran (no token, over its rate): no target known.</summary>
    public static OperatorRoute Unresolved(string rawTarget) => new(null, null, "-", OperatorDecisions.AuditedPath(rawTarget), null, null, null);
}

/// <summary>
/// Runs the one operator policy (<see cref="OperatorPolicy"/>, <c>Core.Lanes/Operator/README.md</c> gives its check
/// order and codes) on the gateway's current snapshot and turns its decision into a route or a refusal.
/// </summary>
internal sealed class OperatorDecisions(PolicySnapshotClient snapshots, IOptions<GatewayOptions> options)
{
    /// <summary>Longest path an audit record carries of a refused call (a refused path may be anything the caller sent).</summary>
    private const int MaxAuditedPath = 512;

    private readonly Dictionary<string, string> _grpcTargets = new(options.Value.GrpcTargets, StringComparer.Ordinal);
    private volatile SnapshotOperatorSource? _source;

    /// <summary>Decides an HTTP call on <c>/{target}/{**path}</c> or <c>/contracts/{contract}/{**path}</c>.</summary>
    public OperatorRoute DecideHttp(PluginCaller caller, string method, string rawTarget) =>
        Route(OperatorRequest.ForGatewayTarget(caller.PluginId, method, rawTarget), rawTarget, grpc: false);

    /// <summary>
    /// Decides a gRPC call whose target is named by the <c>fabrix-target</c> header: <c>POST /package.Service/Method</c>
    /// against the target's endpoints, forwarded to the target's gRPC address (<see cref="GatewayOptions.GrpcTargets"/>).
    /// </summary>
    public OperatorRoute DecideGrpc(PluginCaller caller, string targetId, string pathAndQuery) =>
        Route(OperatorRequest.ForPlugin(caller.PluginId, targetId, HttpMethods.Post, pathAndQuery), pathAndQuery, grpc: true);

    private OperatorRoute Route(in OperatorRequest request, string rawTarget, bool grpc)
    {
        if (Source() is not { } source)
        {
            return new OperatorRoute(null, GatewayRefusal.NoPolicy, "-", AuditedPath(rawTarget), null, null, null);
        }

        var decision = OperatorPolicy.Decide(source, request);
        if (!decision.Allowed)
        {
            var refusal = new GatewayRefusal(decision.StatusCode, decision.Code, decision.Message,
                RetryAfterSeconds: decision.StatusCode == StatusCodes.Status503ServiceUnavailable ? 1 : null,
                Candidates: decision.Candidates.Count > 0 ? decision.Candidates : null);
            return new OperatorRoute(decision.Target, refusal, decision.TargetId ?? "-", AuditedPath(rawTarget), null, null, null);
        }

        var target = decision.Target!;
        var path = decision.ForwardPath!;
        string? address;
        if (grpc)
        {
            address = _grpcTargets.GetValueOrDefault(target.Id);
            if (address is null)
            {
                return new OperatorRoute(target, GatewayRefusal.TargetNotRegistered(target.Id, grpc: true), target.Id, path, decision.EndpointName, null, null);
            }
        }
        else
        {
            address = target.Address;
            if (address is null)
            {
                return new OperatorRoute(target, GatewayRefusal.TargetNotRegistered(target.Id, grpc: false), target.Id, path, decision.EndpointName, null, null);
            }
        }

        var destination = new Uri(string.Concat(address.AsSpan().TrimEnd('/'), decision.ForwardPathSpan, decision.QuerySpan), UriKind.Absolute);
        return new OperatorRoute(target, null, target.Id, path, decision.EndpointName, address, destination);
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

    internal static string AuditedPath(string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? rawTarget : rawTarget[..query];
        return path.Length <= MaxAuditedPath ? path : path[..MaxAuditedPath];
    }
}
