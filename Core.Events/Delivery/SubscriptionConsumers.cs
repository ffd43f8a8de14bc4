using Fabrix.Contracts.Canonical;
using Fabrix.Core.Events.Streams;
using Microsoft.Extensions.Options;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Delivery;

/// <summary>
/// One durable JetStream consumer per (subscriber, type) (issue 11 section 3), named <c>&lt;plugin&gt;_&lt;Type&gt;</c> and
/// filtered to the type's subject, so a restart of Core.Events or of the plugin resumes where it stopped. Created when
/// the snapshot first shows the plugin active with the type in its <c>events.subscribes</c> (and again when it opens
/// a subscription), delivering from then on: an entitled subscriber receives every event published after it became
/// entitled, connected or not. <c>max_deliver</c> is <see cref="DeliveryOptions.MaxDeliveries"/> + 1: the extra
/// delivery is the one Core.Events takes to move the event to the dead-letter stream.
/// </summary>
internal sealed class SubscriptionConsumers(EventStreams streams, IOptions<DeliveryOptions> options)
{
    private readonly DeliveryOptions _options = options.Value;

    public static string NameOf(string pluginId, CanonicalEventType type) => $"{pluginId}_{type.Name}";

    /// <summary>
    /// Creates the consumer, or updates an existing one keeping its start (deliver policy and start sequence or time):
    /// an administrator's replay (<see cref="ResetAsync"/>) recreated it with a start that JetStream does not let an
    /// update change.
    /// </summary>
    public async Task<INatsJSConsumer> EnsureAsync(string pluginId, CanonicalEventType type, CancellationToken cancellationToken)
    {
        await streams.EnsureAsync(cancellationToken);
        var config = ConfigOf(pluginId, type);
        try
        {
            var existing = (await streams.Delivery.GetConsumerAsync(streams.Stream, config.Name!, cancellationToken)).Info.Config;
            config.DeliverPolicy = existing.DeliverPolicy;
            config.OptStartSeq = existing.OptStartSeq;
            config.OptStartTime = existing.OptStartTime;
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
        }

        return await streams.Delivery.CreateOrUpdateConsumerAsync(streams.Stream, config, cancellationToken);
    }

    /// <summary>
    /// Recreates an existing consumer delivering from <paramref name="fromSequence"/> or <paramref name="fromTime"/>
    /// (an administrator's replay); null when the consumer does not exist. A pump consuming the old consumer ends with
    /// an error, so an open subscription ends and resumes on the plugin's next Subscribe.
    /// </summary>
    public async Task<INatsJSConsumer?> ResetAsync(string pluginId, CanonicalEventType type, ulong fromSequence, DateTimeOffset? fromTime,
        CancellationToken cancellationToken)
    {
        await streams.EnsureAsync(cancellationToken);
        var config = ConfigOf(pluginId, type);
        try
        {
            await streams.JetStream.DeleteConsumerAsync(streams.Stream, config.Name!, cancellationToken);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            return null;
        }

        if (fromTime is { } time)
        {
            config.DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartTime;
            config.OptStartTime = time;
        }
        else
        {
            config.DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence;
            config.OptStartSeq = fromSequence;
        }

        return await streams.Delivery.CreateOrUpdateConsumerAsync(streams.Stream, config, cancellationToken);
    }

    private ConsumerConfig ConfigOf(string pluginId, CanonicalEventType type) => new(NameOf(pluginId, type))
    {
        FilterSubject = streams.SubjectOf(type),
        DeliverPolicy = ConsumerConfigDeliverPolicy.New,
        AckPolicy = ConsumerConfigAckPolicy.Explicit,
        AckWait = _options.AckWait,
        // Unlimited: Core.Events itself moves an event to the dead-letter stream at delivery MaxDeliveries + 1 or later. A
        // server-side limit of MaxDeliveries + 1 (until 2026-12-07) made that delivery the last: when it was lost (still in
        // the consume buffer when the pump stopped, or the move failed), nats-server dropped the event for this
        // subscriber with only an advisory, neither redelivered nor dead-lettered.
        MaxDeliver = -1,
        MaxAckPending = _options.MaxInFlight,
    };
}
