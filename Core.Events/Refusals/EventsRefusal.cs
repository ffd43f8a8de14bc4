using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Events.Refusals;

/// <summary>
/// A refusal of the Canonical lane as a value (the registry's model, Core.Registry/Errors): a stable code from
/// <see cref="RefusalCodes"/>, a sentence, the HTTP and gRPC statuses, and a retry hint when retrying may succeed.
/// Mapped once to gRPC (<see cref="ToRpcException"/>) and once to ProblemDetails (<see cref="ToProblem"/>).
/// </summary>
internal sealed record EventsRefusal(string Code, string Message, int HttpStatus, StatusCode GrpcStatus, TimeSpan? RetryAfter = null)
{
    public static EventsRefusal NoPolicy { get; } = new(RefusalCodes.LaneNoPolicy,
        "Core.Events holds no usable policy snapshot; it refuses everything until it does.", StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable, TimeSpan.FromSeconds(1));

    public static EventsRefusal LaneOff { get; } = new(RefusalCodes.CanonicalLaneOff,
        "The Canonical lane is switched off by an administrator.", StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable);

    public static EventsRefusal AuditUnavailable { get; } = new(RefusalCodes.AuditUnavailable,
        "The decision could not be audited (the lane's audit buffer is full); nothing was done.", StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable, TimeSpan.FromSeconds(1));

    public static EventsRefusal NotActive(string pluginId) => new(RefusalCodes.CallerNotActive,
        $"The plugin '{pluginId}' is not active.", StatusCodes.Status403Forbidden, StatusCode.PermissionDenied);

    public static EventsRefusal UnknownType(string type) => new(RefusalCodes.EventTypeUnknown,
        $"'{Bounded(type)}' is not a canonical event type.", StatusCodes.Status404NotFound, StatusCode.InvalidArgument);

    public static EventsRefusal Invalid(string message) => new(RefusalCodes.InvalidArgument, message, StatusCodes.Status400BadRequest, StatusCode.InvalidArgument);

    public static EventsRefusal Backpressure(TimeSpan retryAfter, string why) => new(RefusalCodes.PublishBackpressure,
        $"The event was not stored ({why}); nothing was accepted. Retry after {retryAfter.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms.",
        StatusCodes.Status429TooManyRequests, StatusCode.ResourceExhausted, retryAfter);

    public static EventsRefusal OutcomeUnknown(TimeSpan retryAfter, string why) => new(RefusalCodes.PublishOutcomeUnknown,
        $"JetStream did not acknowledge the event in time ({why}): it may or may not be stored. Retry with the same idempotency key " +
        $"(a retry without one may store it twice) after {retryAfter.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms.",
        StatusCodes.Status504GatewayTimeout, StatusCode.DeadlineExceeded, retryAfter);

    public static EventsRefusal RateLimited(string pluginId, TimeSpan retryAfter) => new(RefusalCodes.RateLimited,
        $"The plugin '{pluginId}' is over its publish rate on the Canonical lane.", StatusCodes.Status429TooManyRequests, StatusCode.ResourceExhausted, retryAfter);

    /// <summary>The refusal as a gRPC status: google.rpc.ErrorInfo with the code, google.rpc.RetryInfo with the hint.</summary>
    public RpcException ToRpcException()
    {
        var status = new Google.Rpc.Status { Code = (int)GrpcStatus, Message = Message };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = Code, Domain = RefusalCodes.ErrorDomain }));
        if (RetryAfter is { } retry)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retry) }));
        }

        return status.ToRpcException();
    }

    /// <summary>The refusal as ProblemDetails with <c>code</c>, and <c>Retry-After</c> (whole seconds, at least 1) when retryable.</summary>
    public IResult ToProblem(HttpContext context)
    {
        if (RetryAfter is { } retry)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return TypedResults.Problem(detail: Message, statusCode: HttpStatus, title: Code,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = Code });
    }

    private static string Bounded(string value) => value.Length <= 128 ? value : value[..128];
}
