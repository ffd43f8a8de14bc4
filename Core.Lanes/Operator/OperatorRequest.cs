namespace Fabrix.Core.Lanes.Operator;

/// <summary>How an <see cref="OperatorRequest"/> names its target.</summary>
public enum OperatorTargetKind
{
    /// <summary>The request target is the gateway's whole raw target, <c>/{plugin}/{path}</c> or <c>/contracts/{contract}/{path}</c>, query included.</summary>
    GatewayTarget,

    /// <summary>The target plugin's id is given (gRPC's <c>fabrix-target</c> header); the path is the target's own.</summary>
    Plugin,

    /// <summary>A contract is given; the lane resolves the plugin that serves it.</summary>
    Contract,
}

/// <summary>
/// One plugin-to-plugin call as the Operator lane sees it, before any decision. Holds the raw strings the caller
/// gave: the path is checked and matched, never rewritten. A struct: building one allocates nothing.
/// </summary>
public readonly struct OperatorRequest
{
    private OperatorRequest(string callerId, OperatorTargetKind kind, string? target, string method, string rawTarget)
    {
        CallerId = callerId;
        Kind = kind;
        Target = target;
        Method = method;
        RawTarget = rawTarget;
    }

    /// <summary>The calling plugin's id (from its verified token).</summary>
    public string CallerId { get; }

    /// <summary>How the target is named.</summary>
    public OperatorTargetKind Kind { get; }

    /// <summary>The target plugin id or contract as given; null for <see cref="OperatorTargetKind.GatewayTarget"/> (it is in <see cref="RawTarget"/>).</summary>
    public string? Target { get; }

    /// <summary>The HTTP method, exactly as received (gRPC calls are <c>POST</c>).</summary>
    public string Method { get; }

    /// <summary>The raw request target: path and, after a <c>?</c>, the query, exactly as received (never decoded).</summary>
    public string RawTarget { get; }

    /// <summary>
    /// A call on the gateway's HTTP route: <paramref name="rawTarget"/> is the request target exactly as received
    /// (ASP.NET Core: <c>IHttpRequestFeature.RawTarget</c>, not <c>Request.Path</c>, which Kestrel has already
    /// decoded and had its dot segments removed), e.g. <c>/user-management/api/users/42?x=1</c>.
    /// </summary>
    public static OperatorRequest ForGatewayTarget(string callerId, string method, string rawTarget) =>
        new(Require(callerId), OperatorTargetKind.GatewayTarget, null, Require(method), Require(rawTarget));

    /// <summary>
    /// A call whose target plugin is named apart from the path, e.g. gRPC with <c>fabrix-target: user-management</c>
    /// and <paramref name="pathAndQuery"/> <c>/fabrix.samples.users.v1.UserDirectory/GetUser</c>.
    /// </summary>
    public static OperatorRequest ForPlugin(string callerId, string targetId, string method, string pathAndQuery) =>
        new(Require(callerId), OperatorTargetKind.Plugin, Require(targetId), Require(method), Require(pathAndQuery));

    /// <summary>A call to whichever active plugin serves <paramref name="contract"/>; <paramref name="pathAndQuery"/> is the target's own path.</summary>
    public static OperatorRequest ForContract(string callerId, string contract, string method, string pathAndQuery) =>
        new(Require(callerId), OperatorTargetKind.Contract, Require(contract), Require(method), Require(pathAndQuery));

    private static string Require(string value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value;
    }
}
