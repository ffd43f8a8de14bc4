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

    public async Task<INatsJSConsumer> EnsureAsync(string pluginId, CanonicalEventType type, CancellationToken cancellationToken)
    {
        await streams.EnsureAsync(cancellationToken);
        return await streams.JetStream.CreateOrUpdateConsumerAsync(streams.Stream, new ConsumerConfig(NameOf(pluginId, type))
        {
            FilterSubject = streams.SubjectOf(type),
            DeliverPolicy = ConsumerConfigDeliverPolicy.New,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = _options.AckWait,
            MaxDeliver = _options.MaxDeliveries + 1,
            MaxAckPending = _options.MaxInFlight,
        }, cancellationToken);
    }
}
