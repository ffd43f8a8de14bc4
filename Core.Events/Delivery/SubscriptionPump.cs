using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Core.Events.Policy;
using Fabrix.Core.Events.Refusals;
using Fabrix.Core.Lanes.Audit;
using Fabrix.Core.Lanes.Policy;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NATS.Client.JetStream;

namespace Fabrix.Core.Events.Delivery;

/// <summary>
/// Where deliveries go: the gRPC stream today; the HTTP push path (issue 11 section 3, a later session) is another sink
/// over the same pump and settlement.
/// </summary>
internal interface IDeliverySink
{
    /// <summary>Hands one delivery to the subscriber; it settles it later through <see cref="PendingDeliveries"/>.</summary>
    ValueTask SendAsync(Contracts.Events.V1.Delivery delivery, CancellationToken cancellationToken);
}

/// <summary>
/// Deliveries of one subscriber awaiting its ack or nack, by event id. A nack redelivers after
/// <see cref="DeliveryOptions.NackDelay"/>; a nack of the last allowed delivery moves the event to the dead-letter
/// stream at once. A delivery left unsettled is redelivered by JetStream after <see cref="DeliveryOptions.AckWait"/>.
/// </summary>
internal sealed class PendingDeliveries(string subscriber, DeadLetters deadLetters, DeliveryOptions options)
{
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    public void Add(CanonicalEvent evt, CanonicalEventType type, INatsJSMsg<byte[]> message) => _pending[evt.Id] = new Pending(evt, type, message);

    /// <summary>Acknowledges; false when no delivery with that id awaits settling.</summary>
    public async Task<bool> AckAsync(string eventId, CancellationToken cancellationToken)
    {
        if (!_pending.TryRemove(eventId, out var pending))
        {
            return false;
        }

        await pending.Message.AckAsync(cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>Nacks: redelivery with backoff, or the dead-letter stream after the last allowed delivery.</summary>
    public async Task<bool> NackAsync(string eventId, string reason, CancellationToken cancellationToken)
    {
        if (!_pending.TryRemove(eventId, out var pending))
        {
            return false;
        }

        var attempt = (int)(pending.Message.Metadata?.NumDelivered ?? 1);
        if (attempt >= options.MaxDeliveries)
        {
            await deadLetters.MoveAsync(subscriber, pending.Type, pending.Message, pending.Event,
                string.Create(CultureInfo.InvariantCulture, $"nacked at delivery {attempt} of {options.MaxDeliveries}: {(reason.Length == 0 ? "no reason given" : reason)}"),
                cancellationToken);
        }
        else
        {
            await pending.Message.NakAsync(new AckOpts { NakDelay = options.NackDelay(attempt) }, cancellationToken);
        }

        return true;
    }

    private sealed record Pending(CanonicalEvent Event, CanonicalEventType Type, INatsJSMsg<byte[]> Message);
}

/// <summary>
/// Pulls one (subscriber, type) consumer and hands each event to a sink, checking each against the current snapshot at
/// delivery time (<see cref="CanonicalPolicy.DecideDelivery"/>) and auditing every decision (<c>deliver</c>). A refused
/// delivery is put back (nack, no delay) and stops the pump: the subscription ends. An event delivered more than
/// <see cref="DeliveryOptions.MaxDeliveries"/> times (its earlier deliveries timed out) goes to the dead-letter stream.
/// A replayed dead letter of another subscriber is acknowledged without delivering or auditing it.
/// </summary>
internal sealed partial class SubscriptionPump(
    PolicySnapshotClient snapshots,
    DeadLetters deadLetters,
    DecisionAuditWriter audit,
    IOptions<DeliveryOptions> options,
    ILogger<SubscriptionPump> logger)
{
    private readonly DeliveryOptions _options = options.Value;

    /// <summary>Runs until cancelled, or until a delivery is refused (returned).</summary>
    public async Task<EventsRefusal?> RunAsync(string subscriber, CanonicalEventType type, INatsJSConsumer consumer, IDeliverySink sink,
        PendingDeliveries pending, CancellationToken cancellationToken)
    {
        var consume = new NatsJSConsumeOpts { MaxMsgs = Math.Min(_options.MaxInFlight, 1000) };
        await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: consume, cancellationToken: cancellationToken))
        {
            CanonicalEvent evt;
            try
            {
                evt = CanonicalEvent.Parser.ParseFrom(message.Data ?? []);
            }
            catch (InvalidProtocolBufferException exception)
            {
                // Only Core.Events writes the stream; an unreadable message cannot be delivered to anyone.
                LogUnreadable(logger, exception, subscriber, type.Name);
                await message.AckTerminateAsync(cancellationToken: cancellationToken);
                continue;
            }

            // A dead letter an administrator replayed is for one subscriber only (Control/DeadLetterStore.cs).
            if (message.Headers is { } headers && headers.TryGetValue(Control.DeadLetterStore.ReplayForHeader, out var replayFor)
                && !string.Equals(replayFor.ToString(), subscriber, StringComparison.Ordinal))
            {
                await message.AckAsync(cancellationToken: cancellationToken);
                continue;
            }

            var attempt = (int)(message.Metadata?.NumDelivered ?? 1);
            if (attempt > _options.MaxDeliveries)
            {
                await deadLetters.MoveAsync(subscriber, type, message, evt,
                    string.Create(CultureInfo.InvariantCulture, $"not acknowledged within the ack wait after {_options.MaxDeliveries} deliveries"), cancellationToken);
                continue;
            }

            var refusal = CanonicalPolicy.DecideDelivery(snapshots.Current, subscriber, type);
            Audit(subscriber, type, evt, attempt, refusal?.Code ?? string.Empty);
            if (refusal is not null)
            {
                await message.NakAsync(cancellationToken: cancellationToken);
                return refusal;
            }

            pending.Add(evt, type, message);
            await sink.SendAsync(new Contracts.Events.V1.Delivery { Event = evt, Attempt = (uint)attempt }, cancellationToken);
        }

        return null;
    }

    private void Audit(string subscriber, CanonicalEventType type, CanonicalEvent evt, int attempt, string reasonCode) =>
        audit.Write(new LaneDecision(subscriber, Lane.Canonical, type.FullName, "deliver", reasonCode.Length == 0, reasonCode,
            Activity.Current?.TraceId.ToHexString() ?? evt.Id, evt.Traceparent.Length == 0 ? null : evt.Traceparent,
            Attributes: new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["event_type"] = type.Name,
                ["event_id"] = evt.Id,
                ["classification"] = type.Classification,
                ["attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
                ["publisher"] = evt.Source,
            }));

    [LoggerMessage(EventId = 9701, Level = LogLevel.Error, Message = "An unreadable message on the {Type} subject was terminated for {Subscriber}")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string subscriber, string type);
}
