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
}

/// <summary>A stored event.</summary>
/// <param name="EventId">The event's id (UUIDv7): the subscribers' idempotency key.</param>
/// <param name="Duplicate">True when the idempotency key had been used within the dedupe window: nothing new was stored and <paramref name="EventId"/> is the first event's.</param>
/// <param name="Sequence">The stream sequence the event is stored at.</param>
public sealed record PublishedEvent(string EventId, bool Duplicate, ulong Sequence);
