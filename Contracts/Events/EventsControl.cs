namespace Fabrix.Contracts.Events;

/// <summary>
/// The registry → Core.Events control plane (issue 11 sections 3 and 5): NATS request/reply on core-only subjects that
/// only the registry's NATS user may publish to. Requests and replies are the <c>fabrix.events.v1</c> EventsAdmin
/// messages in protobuf; a refused request is answered with an empty body and the <see cref="ErrorHeader"/> (a refusal
/// code) and <see cref="MessageHeader"/> headers.
/// </summary>
public static class EventsControl
{
    /// <summary>
    /// The default prefix of every control subject; Core.Events subscribes to <c>&lt;prefix&gt;.&gt;</c>. Configurable on
    /// both sides (Core.Events <c>Fabrix:Events:Control:SubjectPrefix</c>, the registry
    /// <c>Fabrix:Registry:Events:ControlSubjectPrefix</c>) so that test platforms can share one NATS server.
    /// </summary>
    public const string DefaultPrefix = "fabrix.control.events";

    /// <summary>ListSubscriptionsRequest → ListSubscriptionsResponse.</summary>
    public const string ListSubscriptions = "subscriptions.list";

    /// <summary>ListDeadLettersRequest → ListDeadLettersResponse.</summary>
    public const string ListDeadLetters = "dlq.list";

    /// <summary>GetDeadLetterRequest → GetDeadLetterResponse (the envelope only with <see cref="IncludePayloadHeader"/>).</summary>
    public const string GetDeadLetter = "dlq.get";

    /// <summary>ReplayDeadLetterRequest → ReplayDeadLetterResponse.</summary>
    public const string ReplayDeadLetter = "dlq.replay";

    /// <summary>ReplaySubscriptionRequest → ReplaySubscriptionResponse.</summary>
    public const string ReplaySubscription = "subscription.replay";

    /// <summary>The subject of the request <paramref name="name"/> (one of the constants above) under <paramref name="prefix"/>.</summary>
    public static string Subject(string prefix, string name) => prefix + "." + name;

    /// <summary>Request header: the administrator the registry authorized (<c>admin:&lt;subject&gt;</c>), for Core.Events' own audit.</summary>
    public const string ActorHeader = "Fabrix-Actor";

    /// <summary>Request header: the administrator call's correlation id.</summary>
    public const string CorrelationHeader = "Fabrix-Correlation-Id";

    /// <summary>Request header of GetDeadLetter: <c>true</c> when the caller may see the payload.</summary>
    public const string IncludePayloadHeader = "Fabrix-Include-Payload";

    /// <summary>Reply header: the refusal code of a refused request.</summary>
    public const string ErrorHeader = "Fabrix-Control-Error";

    /// <summary>Reply header: the refusal's reason.</summary>
    public const string MessageHeader = "Fabrix-Control-Message";
}
