namespace Fabrix.Core.Gateway.Refusals;

/// <summary>
/// A refusal of the gateway as a value (the registry's model, <c>Core.Registry/Errors/Refusal.cs</c>): the HTTP status,
/// the stable code from <see cref="RefusalCodes"/> the audit record carries too, and a fixed sentence. Hot-path code
/// returns one instead of throwing; <see cref="RefusalWriter"/> turns it into ProblemDetails in one place.
/// </summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Code">Stable refusal code.</param>
/// <param name="Detail">A sentence a person can read; never a token or a secret.</param>
/// <param name="RetryAfterSeconds">Sent as <c>Retry-After</c> when set (429, 503).</param>
/// <param name="Candidates">For an ambiguous contract: the plugins that provide it.</param>
internal sealed record GatewayRefusal(int Status, string Code, string Detail, int? RetryAfterSeconds = null, IReadOnlyList<string>? Candidates = null)
{
    public static GatewayRefusal NoPolicy { get; } = new(StatusCodes.Status503ServiceUnavailable, RefusalCodes.LaneNoPolicy,
        "The gateway holds no current policy snapshot; it refuses every call until it has one.", RetryAfterSeconds: 1);

    public static GatewayRefusal AuditUnavailable { get; } = new(StatusCodes.Status503ServiceUnavailable, RefusalCodes.AuditUnavailable,
        "The gateway cannot audit the call (its decision audit buffer is full), so it does not make it.", RetryAfterSeconds: 1);

    public static GatewayRefusal TargetNotRegistered(string target, bool grpc) => new(StatusCodes.Status503ServiceUnavailable, RefusalCodes.TargetNotRegistered,
        grpc ? $"The plugin '{target}' has no gRPC address (Fabrix:Gateway:GrpcTargets:{target})." : $"The plugin '{target}' has no registered address.");

    public static GatewayRefusal CircuitOpen(string target, int retryAfterSeconds) => new(StatusCodes.Status503ServiceUnavailable, RefusalCodes.TargetCircuitOpen,
        $"The plugin '{target}' failed repeatedly; the gateway does not call it until its circuit closes.", RetryAfterSeconds: retryAfterSeconds);

    public static GatewayRefusal ResponseTooLarge(string target, long limit) => new(StatusCodes.Status502BadGateway, RefusalCodes.ResponseTooLarge,
        $"The response of the plugin '{target}' is over the gateway's limit of {limit} bytes.");

    public static GatewayRefusal TargetUnreachable(string target) => new(StatusCodes.Status502BadGateway, RefusalCodes.TargetUnreachable,
        $"The plugin '{target}' could not be reached.");
}
