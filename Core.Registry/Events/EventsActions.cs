namespace Fabrix.Core.Registry.Events;

/// <summary>The audit actions of EventsAdmin (issue 11 section 5). Reads are audited when refused; a payload view and every replay always.</summary>
internal static class EventsActions
{
    public const string ListTypes = "events.types.read";
    public const string ListSubscriptions = "events.subscriptions.read";
    public const string ListDeadLetters = "events.dead_letters.list";
    public const string GetDeadLetter = "events.dead_letter.read";

    /// <summary>An administrator saw an event's payload (audited on success too: every payload view is).</summary>
    public const string ReadPayload = Audit.AuditActions.ReadEventPayload;
    public const string ReplayDeadLetter = "events.dead_letter.replay";
    public const string ReplaySubscription = "events.subscription.replay";
    public const string Tail = "events.tail.read";
}
