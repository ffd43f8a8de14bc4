using Grpc.Core;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Core.Events refused a publish (issue 11 section 2). <see cref="ReasonCode"/> is the stable refusal code
/// (<c>Fabrix.Contracts.Errors.RefusalCodes</c>), e.g. <c>EVENT_TYPE_NOT_DECLARED</c>,
/// <c>EVENT_CLASSIFICATION_NOT_ALLOWED</c>, <c>EVENT_PAYLOAD_INVALID</c>, <c>CALLER_NOT_ACTIVE</c>, <c>RATE_LIMITED</c>,
/// <c>PUBLISH_BACKPRESSURE</c> (for these two <see cref="RetryAfter"/> says how long to wait; nothing was stored),
/// <c>PUBLISH_OUTCOME_UNKNOWN</c> (JetStream did not acknowledge in time: the event may be stored; retry after
/// <see cref="RetryAfter"/> with the same idempotency key, which returns the first event's id if it was).
/// </summary>
public sealed class EventRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="eventType">The short type name that was published, e.g. <c>UserCreated</c>.</param>
    /// <param name="reasonCode">The refusal code.</param>
    /// <param name="statusCode">The gRPC status Core.Events answered with.</param>
    /// <param name="detail">Core.Events' explanation.</param>
    /// <param name="retryAfter">The retry hint of a retryable refusal, or null.</param>
    public EventRefusedException(string eventType, string reasonCode, StatusCode statusCode, string detail, TimeSpan? retryAfter)
        : base($"Core.Events refused to publish {eventType}: {reasonCode} ({statusCode}). {detail}")
    {
        EventType = eventType;
        ReasonCode = reasonCode;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>The short type name that was published.</summary>
    public string EventType { get; }

    /// <summary>The refusal code.</summary>
    public string ReasonCode { get; }

    /// <summary>The gRPC status.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>For a retryable refusal (over the rate, back-pressure): wait at least this long. Null otherwise.</summary>
    public TimeSpan? RetryAfter { get; }
}
