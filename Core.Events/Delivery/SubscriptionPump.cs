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
/// Where deliveries go: the gRPC <c>Subscribe</c> stream, or HTTP push (<c>Push/PushSink</c>, issue 11 section 3); both
/// over the same pump, policy, settlement and dead letters.
/// </summary>
internal interface IDeliverySink
{
    /// <summary>The delivery mode, recorded as the audit attribute <c>mode</c>: <c>stream</c> or <c>push</c>.</summary>
    string Mode { get; }

    /// <summary>
    /// True when the sink audits each allowed delivery itself once its outcome is known (push: with the plugin's status
    /// code); otherwise the pump audits it as it hands it over. Refused deliveries are always audited by the pump.
    /// </summary>
    bool AuditsOutcome { get; }

    /// <summary>Hands one delivery to the subscriber; it settles it later through <see cref="PendingDeliveries"/>.</summary>
    ValueTask SendAsync(Contracts.Events.V1.Delivery delivery, CancellationToken cancellationToken);
}

/// <summary>
/// The decision audit of one delivery (<c>deliver</c> on the canonical lane), the same for every sink: attributes
/// <c>event_type</c>, <c>event_id</c>, <c>classification</c>, <c>attempt</c>, <c>publisher</c>, <c>mode</c>, plus what
/// the sink adds (push: <c>status</c>, <c>duration_ms</c>). Allowed deliveries of the <c>Subscribe</c> stream are
/// audited in groups instead (<see cref="WriteAllowed"/>).
/// </summary>
internal static class DeliveryAudit
{
    public static void Write(DecisionAuditWriter audit, string subscriber, CanonicalEventType type, CanonicalEvent evt, int attempt, string mode,
        string reasonCode, IReadOnlyDictionary<string, string>? extra = null, TimeSpan? duration = null)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["event_type"] = type.Name,
            ["event_id"] = evt.Id,
            ["classification"] = type.Classification,
            ["attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
            ["publisher"] = evt.Source,
            ["mode"] = mode,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            attributes[key] = value;
        }

        audit.Write(new LaneDecision(subscriber, Lane.Canonical, type.FullName, "deliver", reasonCode.Length == 0, reasonCode,
            Activity.Current?.TraceId.ToHexString() ?? evt.Id, evt.Traceparent.Length == 0 ? null : evt.Traceparent, Duration: duration,
            Attributes: attributes));
    }

    /// <summary>
    /// An allowed delivery the sink does not audit itself (the <c>Subscribe</c> stream), through <paramref name="batcher"/>:
    /// one record per subscriber, type, publisher and mode for the deliveries of a short while, attributes
    /// <c>event_type</c>, <c>classification</c>, <c>publisher</c>, <c>mode</c>, and one item per delivery: <c>event_id</c>,
    /// <c>attempt</c>.
    /// </summary>
    public static void WriteAllowed(DecisionItemBatcher batcher, string subscriber, CanonicalEventType type, CanonicalEvent evt, int attempt, string mode)
    {
        var attributes = AllowedAttributes(type, evt.Source, mode);
        var item = new Dictionary<string, string>(2, StringComparer.Ordinal)
        {
            ["event_id"] = evt.Id,
            ["attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
        };
        batcher.Add(new LaneDecision(subscriber, Lane.Canonical, type.FullName, "deliver", true, string.Empty,
            Activity.Current?.TraceId.ToHexString() ?? evt.Id, evt.Traceparent.Length == 0 ? null : evt.Traceparent, Attributes: attributes), item);
    }
    // The record attributes of allowed deliveries, one dictionary per type, publisher and mode (the batcher only reads
    // them); beyond a bound of combinations a fresh one each time.
    private static readonly ConcurrentDictionary<(CanonicalEventType Type, string Publisher, string Mode), IReadOnlyDictionary<string, string>> s_allowedAttributes = new();
    private const int MaxCachedAttributes = 4096;

    private static IReadOnlyDictionary<string, string> AllowedAttributes(CanonicalEventType type, string publisher, string mode)
    {
        if (s_allowedAttributes.TryGetValue((type, publisher, mode), out var cached))
        {
            return cached;
        }

        var attributes = new Dictionary<string, string>(4, StringComparer.Ordinal)
        {
            ["event_type"] = type.Name,
            ["classification"] = type.Classification,
            ["publisher"] = publisher,
            ["mode"] = mode,
        };
        if (s_allowedAttributes.Count < MaxCachedAttributes)
        {
            s_allowedAttributes.TryAdd((type, publisher, mode), attributes);
        }

        return attributes;
    }
}

/// <summary>
/// Deliveries of one subscriber awaiting its ack or nack, by event id. A nack redelivers after
/// <see cref="DeliveryOptions.NackDelay"/>; a nack of the last allowed delivery moves the event to the dead-letter
/// stream at once. A delivery left unsettled is redelivered by JetStream after <see cref="DeliveryOptions.AckWait"/>.
/// </summary>
internal sealed class PendingDeliveries(string subscriber, DeadLetters deadLetters, DeliveryOptions options, DeliveryEpoch epochs)
{
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private long _stale;

    /// <summary>Settlements not sent because the delivery arrived before the delivery connection was lost (<see cref="DeliveryEpoch"/>).</summary>
    public long Stale => Interlocked.Read(ref _stale);

    /// <summary>Records a delivery that arrived in <paramref name="epoch"/>, to be settled by event id.</summary>
    public void Add(CanonicalEvent evt, CanonicalEventType type, INatsJSMsg<byte[]> message, long epoch) => _pending[evt.Id] = new Pending(evt, type, message, epoch);

    /// <summary>
    /// Acknowledges; false when no delivery with that id awaits settling. A delivery from an earlier epoch is not
    /// acknowledged (JetStream delivers it again after the ack wait).
    /// </summary>
    public async Task<bool> AckAsync(string eventId, CancellationToken cancellationToken)
    {
        if (!_pending.TryRemove(eventId, out var pending))
        {
            return false;
        }

        if (IsStale(pending))
        {
            return true;
        }

        await pending.Message.AckAsync(cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>Nacks: redelivery with backoff, or the dead-letter stream after the last allowed delivery (not for a delivery of an earlier epoch).</summary>
    public async Task<bool> NackAsync(string eventId, string reason, CancellationToken cancellationToken)
    {
        if (!_pending.TryRemove(eventId, out var pending))
        {
            return false;
        }

        if (IsStale(pending))
        {
            return true;
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

    /// <summary>Stops waiting for a settle of <paramref name="eventId"/> (it was dead-lettered): a later ack or nack of it finds nothing.</summary>
    public void Forget(string eventId) => _pending.TryRemove(eventId, out _);

    /// <summary>
    /// Puts a delivery back undelivered (a nak without delay, counting toward nothing but JetStream's delivery count), as
    /// the pump does with a delivery it refuses; not for a delivery of an earlier epoch.
    /// </summary>
    public async Task PutBackAsync(string eventId, CancellationToken cancellationToken)
    {
        if (_pending.TryRemove(eventId, out var pending) && !IsStale(pending))
        {
            await pending.Message.NakAsync(cancellationToken: cancellationToken);
        }
    }

    private bool IsStale(Pending pending)
    {
        if (pending.Epoch == epochs.Current)
        {
            return false;
        }

        Interlocked.Increment(ref _stale);
        return true;
    }

    private sealed record Pending(CanonicalEvent Event, CanonicalEventType Type, INatsJSMsg<byte[]> Message, long Epoch);
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
    DecisionItemBatcher batcher,
    DeliveryEpoch epochs,
    IOptions<DeliveryOptions> options,
    ILogger<SubscriptionPump> logger)
{
    private readonly DeliveryOptions _options = options.Value;

    /// <summary>
    /// Runs until cancelled, or until a delivery is refused (returned, with the revision it was decided against). When the
    /// delivery connection is lost, what the consumer had fetched is dropped and it consumes afresh on the new connection
    /// (<see cref="DeliveryEpoch"/>): deliveries of the old epoch are never settled.
    /// </summary>
    public async Task<PumpRefusal?> RunAsync(string subscriber, CanonicalEventType type, INatsJSConsumer consumer, IDeliverySink sink,
        PendingDeliveries pending, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (epoch, ended) = epochs.Begin();
            using var consuming = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ended);
            PumpRefusal? refused;
            try
            {
                refused = await ConsumeAsync(subscriber, type, consumer, sink, pending, epoch, consuming.Token, cancellationToken);
            }
            catch (OperationCanceledException) when (ended.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                refused = null;
            }

            // NATS.Net ends the consume quietly when its token is cancelled: only the epoch's end starts it again.
            if (refused is not null || !ended.IsCancellationRequested || cancellationToken.IsCancellationRequested)
            {
                return refused;
            }

            LogConsumingAfresh(logger, subscriber, type.Name);
        }
    }

    private async Task<PumpRefusal?> ConsumeAsync(string subscriber, CanonicalEventType type, INatsJSConsumer consumer, IDeliverySink sink,
        PendingDeliveries pending, long epoch, CancellationToken consuming, CancellationToken cancellationToken)
    {
        var consume = new NatsJSConsumeOpts { MaxMsgs = Math.Min(_options.MaxInFlight, 1000) };
        await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: consume, cancellationToken: consuming))
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
                // A late settle of an earlier delivery is then of nothing: a nack would dead-letter (and audit) it a second time.
                pending.Forget(evt.Id);
                continue;
            }

            var view = snapshots.Current;
            var refusal = CanonicalPolicy.DecideDelivery(view, subscriber, type);
            if (refusal is not null)
            {
                DeliveryAudit.Write(audit, subscriber, type, evt, attempt, sink.Mode, refusal.Code);
            }
            else if (!sink.AuditsOutcome)
            {
                DeliveryAudit.WriteAllowed(batcher, subscriber, type, evt, attempt, sink.Mode);
            }

            if (refusal is not null)
            {
                await message.NakAsync(cancellationToken: cancellationToken);
                return new PumpRefusal(refusal, view.Snapshot?.Revision ?? 0);
            }

            pending.Add(evt, type, message, epoch);
            await sink.SendAsync(new Contracts.Events.V1.Delivery { Event = evt, Attempt = (uint)attempt }, cancellationToken);
        }

        return null;
    }

    [LoggerMessage(EventId = 9701, Level = LogLevel.Error, Message = "An unreadable message on the {Type} subject was terminated for {Subscriber}")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string subscriber, string type);

    [LoggerMessage(EventId = 9702, Level = LogLevel.Information,
        Message = "The delivery connection was lost: {Subscriber}'s {Type} consumer is consumed afresh; unsettled deliveries come again after the ack wait")]
    private static partial void LogConsumingAfresh(ILogger logger, string subscriber, string type);
}

/// <summary>
/// The refusal that stopped a <see cref="SubscriptionPump"/>, and the policy revision it was decided against (0 without a
/// snapshot): push delivery lifts it only on a change of a later revision (<c>Push/PushRefusals</c>).
/// </summary>
internal sealed record PumpRefusal(EventsRefusal Refusal, long Revision);
