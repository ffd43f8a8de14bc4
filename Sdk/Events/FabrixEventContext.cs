namespace Fabrix.Plugins.Sdk;

/// <summary>
/// What a handler mapped with <see cref="FabrixEventsExtensions.MapFabrixEvent{TEvent}"/> learns about the event it
/// receives, besides the data: the CloudEvents attributes Core.Events stamped and the delivery attempt.
/// </summary>
public sealed class FabrixEventContext
{
    internal FabrixEventContext(string eventId, string type, string source, DateTimeOffset time, int attempt, string classification, string traceparent,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        EventId = eventId;
        Type = type;
        Source = source;
        Time = time;
        Attempt = attempt;
        Classification = classification;
        Traceparent = traceparent;
        Services = services;
        CancellationToken = cancellationToken;
    }

    /// <summary>The event id (a UUID): the same on every redelivery, so it is the key to store to be idempotent.</summary>
    public string EventId { get; }

    /// <summary>The CloudEvents type, e.g. <c>fabrix.canonical.v1.UserCreated</c>.</summary>
    public string Type { get; }

    /// <summary>Who published it: <c>fabrix://plugins/{id}</c> (or <c>fabrix://core</c>).</summary>
    public string Source { get; }

    /// <summary>When Core.Events accepted the event.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>1 for the first delivery, more for redeliveries.</summary>
    public int Attempt { get; }

    /// <summary>The type's data classification (<c>public</c>, <c>internal</c>, <c>confidential</c>, <c>pii</c>, <c>phi</c>).</summary>
    public string Classification { get; }

    /// <summary>The W3C trace context of the publish, or empty.</summary>
    public string Traceparent { get; }

    /// <summary>The services of a scope created for this delivery (disposed after the handler returns).</summary>
    public IServiceProvider Services { get; }

    /// <summary>Signalled when the host stops: the event is then redelivered later.</summary>
    public CancellationToken CancellationToken { get; }
}
