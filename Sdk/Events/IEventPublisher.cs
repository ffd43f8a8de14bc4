using Google.Protobuf;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Publishes canonical events (<c>fabrix.canonical.v1</c>) through Core.Events with this plugin's current token. Added by
/// <see cref="FabrixEventsExtensions.AddFabrixEvents{TBuilder}"/>; inject it.
/// <code>
/// var published = await events.PublishAsync(new UserCreated { UserId = "u-42", DisplayName = "Ada" }, idempotencyKey: "u-42");
/// </code>
/// </summary>
public interface IEventPublisher
{
    /// <summary>
    /// Publishes <paramref name="data"/>. Completes only after Core.Events stored the event (JetStream acknowledged it).
    /// </summary>
    /// <typeparam name="TEvent">A canonical message type, e.g. <c>UserCreated</c>; it must be in the manifest's <c>events.publishes</c>.</typeparam>
    /// <param name="data">The event's data.</param>
    /// <param name="idempotencyKey">
    /// Optional, 1–128 printable ASCII characters: a second publish with the same key within the dedupe window stores
    /// nothing and returns the first event's id (<see cref="PublishedEvent.Duplicate"/>). Use the id of what the event
    /// is about (a user id) so a retried request cannot publish twice.
    /// </param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored event's id and sequence.</returns>
    /// <exception cref="EventRefusedException">Core.Events refused the event (with its reason code).</exception>
    /// <exception cref="FabrixNotRegisteredException">This plugin holds no token (registration pending or refused); nothing was sent.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="TEvent"/> is not a canonical event type.</exception>
    Task<PublishedEvent> PublishAsync<TEvent>(TEvent data, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        where TEvent : IMessage<TEvent>;

    /// <summary>
    /// Publishes several events in one call (Core.Events' <c>PublishBatch</c>). Each event is checked and stored on its
    /// own, as by <see cref="PublishAsync{TEvent}"/>; the call completes once every event was stored (JetStream
    /// acknowledged it) or refused. One call pays the per-call costs (the token check, the round trip, one audit record
    /// per type) once for the batch: publish this way when there are many events at a time.
    /// <code>
    /// var results = await events.PublishBatchAsync([new(new UserCreated { UserId = "u-1" }, "u-1"), new(new UserCreated { UserId = "u-2" }, "u-2")]);
    /// foreach (var result in results) { var stored = result.EnsureStored(); ... }
    /// </code>
    /// </summary>
    /// <param name="events">
    /// 1 to Core.Events' <c>Fabrix:Events:Publish:MaxBatch</c> (default 500) events of canonical types, each with its
    /// optional idempotency key (as for <see cref="PublishAsync{TEvent}"/>).
    /// </param>
    /// <param name="cancellationToken">Cancels the call (events Core.Events already stored stay stored: retry with the same keys).</param>
    /// <returns>One result per event, in order: stored, or refused with its reason.</returns>
    /// <exception cref="EventRefusedException">Core.Events refused the whole call (the token, or more events than its maximum); nothing was stored.</exception>
    /// <exception cref="FabrixNotRegisteredException">This plugin holds no token (registration pending or refused); nothing was sent.</exception>
    /// <exception cref="ArgumentException"><paramref name="events"/> is empty, or an event's data is null or not of a canonical type (the message names its index).</exception>
    Task<IReadOnlyList<EventPublishResult>> PublishBatchAsync(IReadOnlyList<EventToPublish> events, CancellationToken cancellationToken = default);
}

/// <summary>One event of <see cref="IEventPublisher.PublishBatchAsync"/>.</summary>
/// <param name="Data">The event's data: a canonical message (<c>fabrix.canonical.v1</c>) whose type is in the manifest's <c>events.publishes</c>.</param>
/// <param name="IdempotencyKey">Optional, as for <see cref="IEventPublisher.PublishAsync{TEvent}"/>.</param>
public sealed record EventToPublish(IMessage Data, string? IdempotencyKey = null);

/// <summary>What became of one event of <see cref="IEventPublisher.PublishBatchAsync"/>: exactly one of the two is set.</summary>
/// <param name="Published">The stored event (or, for a repeated idempotency key, the first one's id).</param>
/// <param name="Refusal">Why Core.Events refused the event; nothing was stored for it.</param>
public sealed record EventPublishResult(PublishedEvent? Published, EventRefusedException? Refusal)
{
    /// <summary>True when the event was stored.</summary>
    public bool Stored => Published is not null;

    /// <summary>The stored event, or throws the refusal.</summary>
    /// <exception cref="EventRefusedException">The event was refused.</exception>
    public PublishedEvent EnsureStored() => Published ?? throw Refusal!;
}

/// <summary>A stored event.</summary>
/// <param name="EventId">The event's id (UUIDv7): the subscribers' idempotency key.</param>
/// <param name="Duplicate">True when the idempotency key had been used within the dedupe window: nothing new was stored and <paramref name="EventId"/> is the first event's.</param>
/// <param name="Sequence">The stream sequence the event is stored at.</param>
public sealed record PublishedEvent(string EventId, bool Duplicate, ulong Sequence);
