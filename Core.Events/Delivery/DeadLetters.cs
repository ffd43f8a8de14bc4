using System.Diagnostics;
using System.Globalization;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Core.Events.Streams;
using Fabrix.Core.Lanes.Audit;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Fabrix.Core.Events.Delivery;

/// <summary>
/// Moves an event a subscriber did not settle after its last delivery to the dead-letter stream
/// (<c>&lt;dlq prefix&gt;.&lt;subscriber&gt;.&lt;Type&gt;</c>): the original envelope bytes, with headers naming the
/// subscriber, the event, the reason, the deliveries and the original sequence. Stored first (waiting for JetStream's
/// acknowledgement; <c>Nats-Msg-Id</c> = subscriber:event id:stream sequence, so a retry after a crash stores it once,
/// and a replayed event, stored again at a new sequence, can be dead-lettered again), then the
/// original is terminated for that subscriber, then audited (<c>dead_letter</c>, reason EVENT_DEAD_LETTERED).
/// </summary>
internal sealed class DeadLetters(EventStreams streams, DecisionAuditWriter audit)
{
    public const string SubscriberHeader = "Fabrix-Subscriber";
    public const string EventIdHeader = "Fabrix-Event-Id";
    public const string EventTypeHeader = "Fabrix-Event-Type";
    public const string ReasonHeader = "Fabrix-Dead-Letter-Reason";
    public const string DeliveriesHeader = "Fabrix-Deliveries";
    public const string SequenceHeader = "Fabrix-Stream-Sequence";
    public const string SourceHeader = "Fabrix-Event-Source";

    public async Task MoveAsync(string subscriber, CanonicalEventType type, INatsJSMsg<byte[]> message, CanonicalEvent evt, string reason,
        CancellationToken cancellationToken)
    {
        var metadata = message.Metadata;
        var deliveries = metadata?.NumDelivered ?? 0;
        var headers = new NatsHeaders
        {
            [SubscriberHeader] = subscriber,
            [EventIdHeader] = evt.Id,
            [EventTypeHeader] = type.Name,
            [ReasonHeader] = reason.Length <= 512 ? reason : reason[..512],
            [DeliveriesHeader] = deliveries.ToString(CultureInfo.InvariantCulture),
            [SequenceHeader] = (metadata?.Sequence.Stream ?? 0).ToString(CultureInfo.InvariantCulture),
            [SourceHeader] = evt.Source,
        };
        await streams.EnsureAsync(cancellationToken);
        var ack = await streams.JetStream.PublishAsync(streams.DeadLetterSubjectOf(subscriber, type), message.Data ?? [], headers: headers,
            opts: new NatsJSPubOpts { MsgId = $"{subscriber}:{evt.Id}:{metadata?.Sequence.Stream ?? 0}" }, cancellationToken: cancellationToken);
        // A duplicate is this dead letter, stored by an earlier move that stopped before terminating the original (the
        // Nats-Msg-Id above): it is stored once, so go on. EnsureSuccess would throw on it, and the event would come back
        // at every ack wait until the duplicate window had passed, then be stored a second time.
        if (ack.Error is not null || !ack.Duplicate)
        {
            ack.EnsureSuccess();
        }

        await message.AckTerminateAsync(cancellationToken: cancellationToken);
        audit.Write(new LaneDecision(subscriber, Lane.Canonical, type.FullName, "dead_letter", false, RefusalCodes.EventDeadLettered,
            Activity.Current?.TraceId.ToHexString() ?? evt.Id, evt.Traceparent.Length == 0 ? null : evt.Traceparent,
            Attributes: new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["event_type"] = type.Name,
                ["event_id"] = evt.Id,
                ["classification"] = type.Classification,
                ["deliveries"] = deliveries.ToString(CultureInfo.InvariantCulture),
                ["reason"] = reason,
            }));
    }
}
