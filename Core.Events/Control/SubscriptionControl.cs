using System.Diagnostics;
using System.Globalization;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Delivery;
using Fabrix.Core.Events.Streams;
using Fabrix.Core.Lanes.Audit;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Events.Control;

/// <summary>
/// The durable consumers as administrators see them (issue 11 sections 3 and 5): their state and lag per (plugin,
/// type), read from JetStream's consumer info, and a replay from a sequence or a time, which recreates the consumer
/// with that start (<see cref="SubscriptionConsumers.ResetAsync"/>) and is audited (<c>replay_subscription</c>).
/// </summary>
internal sealed class SubscriptionControl(EventStreams streams, SubscriptionConsumers consumers, DecisionAuditWriter audit)
{
    public async Task<ListSubscriptionsResponse> ListAsync(ListSubscriptionsRequest request, CancellationToken cancellationToken)
    {
        if (request.PluginId.Length > 0 && !DeadLetterStore.SubjectToken(request.PluginId))
        {
            throw ControlRefusal.Invalid($"plugin_id '{request.PluginId}' is not a plugin id.");
        }

        await streams.EnsureAsync(cancellationToken);
        var response = new ListSubscriptionsResponse();
        await foreach (var consumer in streams.JetStream.ListConsumersAsync(streams.Stream, cancellationToken))
        {
            var info = consumer.Info;
            var separator = info.Name.LastIndexOf('_');
            if (separator <= 0 || CanonicalEventTypes.Find(info.Name[(separator + 1)..]) is not { } type
                || info.Name != SubscriptionConsumers.NameOf(info.Name[..separator], type))
            {
                continue;
            }

            var pluginId = info.Name[..separator];
            if (request.PluginId.Length > 0 && pluginId != request.PluginId)
            {
                continue;
            }

            var state = new SubscriptionState
            {
                PluginId = pluginId,
                EventType = type.Name,
                Consumer = info.Name,
                Pending = info.NumPending,
                Unsettled = (ulong)Math.Max(0, info.NumAckPending),
                Redelivered = (ulong)Math.Max(0, info.NumRedelivered),
                DeliveredSequence = info.Delivered.StreamSeq,
                AcknowledgedSequence = info.AckFloor.StreamSeq,
            };
            // nats-server reports "never" as the zero time (0001-01-01), not as an absent field.
            if (info.Delivered.LastActive is { } last && last > DateTimeOffset.UnixEpoch)
            {
                state.LastDeliveredAt = Timestamp.FromDateTimeOffset(last);
            }

            response.Subscriptions.Add(state);
        }

        var ordered = response.Subscriptions.OrderBy(s => s.PluginId, StringComparer.Ordinal).ThenBy(s => s.EventType, StringComparer.Ordinal).ToList();
        response.Subscriptions.Clear();
        response.Subscriptions.Add(ordered);
        return response;
    }

    public async Task<ReplaySubscriptionResponse> ReplayAsync(ReplaySubscriptionRequest request, string actor, string correlationId, CancellationToken cancellationToken)
    {
        if (!DeadLetterStore.SubjectToken(request.PluginId))
        {
            throw ControlRefusal.Invalid($"plugin_id '{request.PluginId}' is not a plugin id.");
        }

        if (CanonicalEventTypes.Find(request.EventType) is not { } type)
        {
            throw ControlRefusal.Invalid($"event_type '{request.EventType}' is not a canonical type.");
        }

        var (fromSequence, fromTime) = request.StartCase switch
        {
            ReplaySubscriptionRequest.StartOneofCase.FromSequence when request.FromSequence > 0 => (request.FromSequence, (DateTimeOffset?)null),
            ReplaySubscriptionRequest.StartOneofCase.FromTime => (0UL, request.FromTime.ToDateTimeOffset()),
            _ => throw ControlRefusal.Invalid("Exactly one of from_sequence (1 or more) and from_time is required."),
        };

        var consumer = await consumers.ResetAsync(request.PluginId, type, fromSequence, fromTime, cancellationToken)
            ?? throw new ControlRefusal(RefusalCodes.SubscriptionNotFound,
                $"'{request.PluginId}' has no subscription to {type.Name}: it is not entitled to the type, or Core.Events has not provisioned it yet.");
        audit.Write(new LaneDecision(request.PluginId, Lane.Canonical, type.FullName, "replay_subscription", true, string.Empty,
            correlationId.Length == 0 ? Activity.Current?.TraceId.ToHexString() ?? type.Name : correlationId,
            Attributes: new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["event_type"] = type.Name,
                ["from"] = fromTime is { } time ? time.ToString("O", CultureInfo.InvariantCulture) : fromSequence.ToString(CultureInfo.InvariantCulture),
                ["pending"] = consumer.Info.NumPending.ToString(CultureInfo.InvariantCulture),
                ["administrator"] = actor,
            }));
        return new ReplaySubscriptionResponse { Pending = consumer.Info.NumPending };
    }
}
