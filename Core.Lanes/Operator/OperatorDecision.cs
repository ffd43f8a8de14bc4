using Fabrix.Contracts.Errors;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Lanes.Operator;

/// <summary>
/// The Operator lane's answer to one <see cref="OperatorRequest"/>: allowed, or refused with a code from
/// <see cref="RefusalCodes"/>. A value: a decision allocates nothing beyond the candidate list of an ambiguous
/// contract. The path to forward is a slice of the request's raw target, exactly the characters that matched.
/// </summary>
public readonly struct OperatorDecision
{
    /// <summary>The <see cref="Code"/> of an allowed call.</summary>
    public const string AllowedCode = "ALLOWED";

    private const string Root = "/";
    private readonly string? _raw;
    private readonly int _pathStart;
    private readonly int _pathLength;
    private readonly int _queryStart;

    private OperatorDecision(bool allowed, string code, string message, string? targetId, PluginPolicy? target, string? endpointName,
        string? raw, int pathStart, int pathLength, int queryStart, IReadOnlyList<string>? candidates)
    {
        Allowed = allowed;
        Code = code;
        Message = message;
        TargetId = targetId;
        Target = target;
        EndpointName = endpointName;
        _raw = raw;
        _pathStart = pathStart;
        _pathLength = pathLength;
        _queryStart = queryStart;
        Candidates = candidates ?? [];
    }

    /// <summary>True when the call may be forwarded.</summary>
    public bool Allowed { get; }

    /// <summary><see cref="AllowedCode"/>, or the refusal code (<see cref="RefusalCodes"/>).</summary>
    public string Code { get; }

    /// <summary>A fixed English sentence saying why (no request data in it): for ProblemDetails and logs.</summary>
    public string Message { get; }

    /// <summary>The HTTP status the gateway answers a refusal with (200 when allowed); see Core.Lanes/Operator/README.md.</summary>
    public int StatusCode => StatusFor(Code);

    /// <summary>The target plugin's id once known (as given, or resolved from a contract); null before that.</summary>
    public string? TargetId { get; }

    /// <summary>The target's policy entry once found; the gateway forwards to its address.</summary>
    public PluginPolicy? Target { get; }

    /// <summary>The name of the matched endpoint when allowed; otherwise null.</summary>
    public string? EndpointName { get; }

    /// <summary>The plugins that provide the contract when the refusal is <see cref="RefusalCodes.ContractAmbiguous"/> (sorted); otherwise empty.</summary>
    public IReadOnlyList<string> Candidates { get; }

    /// <summary>The path to forward to the target when allowed (without the <c>/{target}</c> prefix and the query), as a span: no allocation.</summary>
    public ReadOnlySpan<char> ForwardPathSpan => !Allowed ? default : _pathLength == 0 ? Root : _raw.AsSpan(_pathStart, _pathLength);

    /// <summary>The path to forward when allowed, else null. Allocates a string unless the path is the whole raw target; prefer <see cref="ForwardPathSpan"/> on hot paths.</summary>
    public string? ForwardPath => !Allowed ? null
        : _pathLength == 0 ? Root
        : _pathStart == 0 && _pathLength == _raw!.Length ? _raw
        : _raw!.Substring(_pathStart, _pathLength);

    /// <summary>The query exactly as received, with its leading <c>?</c>, or empty: forwarded unchanged, never matched.</summary>
    public ReadOnlySpan<char> QuerySpan => _raw is null || _queryStart < 0 ? default : _raw.AsSpan(_queryStart);

    /// <summary>The HTTP status for a decision code: 200 allowed; 400 a malformed request; 404 no such target; 409 an ambiguous contract; 503 lane off or target not serving; 403 otherwise.</summary>
    public static int StatusFor(string code) => code switch
    {
        AllowedCode => 200,
        RefusalCodes.MethodNotStandard or RefusalCodes.PathInvalidCharacter or RefusalCodes.PathTooLong or RefusalCodes.PathDotSegment
            or RefusalCodes.PathEncodedSeparator or RefusalCodes.PathEncodedPercent or RefusalCodes.PathControlCharacter
            or RefusalCodes.PathParameter or RefusalCodes.PathEmptySegment or RefusalCodes.PathMalformedEncoding
            or RefusalCodes.PathBackslash or RefusalCodes.PathLookalikeCharacter => 400,
        RefusalCodes.TargetNotInstalled or RefusalCodes.ContractNoProvider => 404,
        RefusalCodes.ContractAmbiguous => 409,
        RefusalCodes.OperatorLaneOff or RefusalCodes.TargetNotActive or RefusalCodes.TargetUnhealthy => 503,
        _ => 403,
    };

    internal static OperatorDecision Allow(PluginPolicy target, string endpointName, string raw, int pathStart, int pathLength, int queryStart) =>
        new(true, AllowedCode, "The call is allowed.", target.Id, target, endpointName, raw, pathStart, pathLength, queryStart, null);

    internal static OperatorDecision Refuse(string code, string message, string? targetId = null, PluginPolicy? target = null,
        IReadOnlyList<string>? candidates = null) =>
        new(false, code, message, targetId, target, null, null, 0, 0, -1, candidates);
}
