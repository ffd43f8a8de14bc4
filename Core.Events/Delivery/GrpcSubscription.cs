using System.Threading.Channels;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Policy;
using Fabrix.Core.Events.Refusals;
using Fabrix.Core.Lanes.Policy;
using Grpc.Core;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Fabrix.Core.Events.Delivery;

/// <summary>
/// One <c>Subscribe</c> stream (issue 11 section 3): the first client message names the types, each checked by
/// <see cref="CanonicalPolicy.DecideDelivery"/>; one <see cref="SubscriptionPump"/> per type feeds the stream; the client's
/// acks and nacks settle deliveries by event id. The session watches the policy snapshot: when a change concerning the
/// plugin (disabled, upgraded without a trait, ...) or the switches makes any of its types refused, the stream ends at
/// once with that refusal, so delivery stops as soon as the lane holds the new revision.
/// </summary>
internal sealed partial class GrpcSubscription(
    PolicySnapshotClient snapshots,
    SubscriptionConsumers consumers,
    SubscriptionPump pump,
    DeadLetters deadLetters,
    DeliveryEpoch epochs,
    Push.PushTargetSource pushTargets,
    Fabrix.Core.Lanes.Audit.DecisionAuditWriter audit,
    IOptions<DeliveryOptions> options,
    ILogger<GrpcSubscription> logger)
{
    private readonly DeliveryOptions _options = options.Value;

    public async Task RunAsync(string pluginId, IAsyncStreamReader<SubscribeRequest> requests, IServerStreamWriter<Contracts.Events.V1.Delivery> responses,
        ServerCallContext context)
    {
        if (!await requests.MoveNext(context.CancellationToken) || requests.Current.KindCase != SubscribeRequest.KindOneofCase.Open)
        {
            throw Refused(pluginId, AnyType, EventsRefusal.Invalid("The first message of a subscription must be 'open'."));
        }

        // A push plugin's deliveries go to its push endpoint; a stream too would take some of them from the same consumer.
        if (pushTargets.Current.ContainsKey(pluginId))
        {
            throw Refused(pluginId, AnyType, new EventsRefusal(RefusalCodes.EventDeliveryIsPush,
                $"The plugin '{pluginId}' receives its events by HTTP push (events.delivery in its manifest): it cannot also subscribe to the stream.",
                StatusCodes.Status409Conflict, StatusCode.FailedPrecondition));
        }

        var types = Resolve(pluginId, requests.Current.Open);
        var subscriptions = new List<(CanonicalEventType Type, INatsJSConsumer Consumer)>(types.Count);
        foreach (var type in types)
        {
            subscriptions.Add((type, await consumers.EnsureAsync(pluginId, type, context.CancellationToken)));
        }

        // The consumers exist: events published from now on reach this subscriber (the headers tell the client so).
        await context.WriteResponseHeadersAsync([]);

        using var session = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        EventsRefusal? ended = null;
        void End(EventsRefusal refusal)
        {
            Interlocked.CompareExchange(ref ended, refusal, null);
            session.Cancel();
        }

        void OnChanged(object? sender, PolicyChange change)
        {
            if (!change.SwitchesChanged && !change.ChangedPlugins.Contains(pluginId))
            {
                return;
            }

            foreach (var type in types)
            {
                if (CanonicalPolicy.DecideDelivery(snapshots.Current, pluginId, type) is { } refusal)
                {
                    End(refusal);
                    return;
                }
            }
        }

        var outbound = Channel.CreateBounded<Contracts.Events.V1.Delivery>(new BoundedChannelOptions(_options.MaxInFlight) { SingleReader = true });
        var sink = new ChannelSink(outbound.Writer);
        var pending = new PendingDeliveries(pluginId, deadLetters, _options, epochs);
        snapshots.Changed += OnChanged;
        var pumps = subscriptions.Select(s => PumpAsync(pluginId, s.Type, s.Consumer, sink, pending, End, session.Token)).ToArray();
        var writer = WriteAsync(outbound.Reader, responses, session.Token);
        try
        {
            while (await requests.MoveNext(session.Token))
            {
                var request = requests.Current;
                var found = request.KindCase switch
                {
                    SubscribeRequest.KindOneofCase.Ack => await pending.AckAsync(request.Ack.EventId, session.Token),
                    SubscribeRequest.KindOneofCase.Nack => await pending.NackAsync(request.Nack.EventId, Bounded(request.Nack.Reason), session.Token),
                    _ => throw EventsRefusal.Invalid("After 'open', a subscription takes only 'ack' and 'nack'.").ToRpcException(),
                };
                if (!found)
                {
                    LogUnknownSettle(logger, pluginId);
                }
            }
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
            // Ended by the client going away, by the policy, or by a pump that failed.
        }
        catch (NatsException exception) when (!session.IsCancellationRequested)
        {
            // An ack or nack JetStream did not take (a timeout, a lost connection): the stream ends as unavailable, and
            // what was not settled is redelivered after the ack wait.
            LogSettleFailed(logger, exception, pluginId);
            End(Unavailable());
        }
        finally
        {
            snapshots.Changed -= OnChanged;
            await session.CancelAsync();
            await Task.WhenAll(pumps.Append(writer));
        }

        if (ended is { } refused)
        {
            throw refused.ToRpcException();
        }
    }

    private async Task PumpAsync(string pluginId, CanonicalEventType type, INatsJSConsumer consumer, IDeliverySink sink, PendingDeliveries pending,
        Action<EventsRefusal> end, CancellationToken cancellationToken)
    {
        try
        {
            if (await pump.RunAsync(pluginId, type, consumer, sink, pending, cancellationToken) is { } refused)
            {
                end(refused.Refusal);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            LogPumpFailed(logger, exception, pluginId, type.Name);
            end(Unavailable());
        }
    }

    private static EventsRefusal Unavailable() =>
        new(RefusalCodes.MessagingUnavailable, "Delivery stopped: JetStream is unavailable. Subscribe again.",
            StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable, TimeSpan.FromSeconds(1));

    private static async Task WriteAsync(ChannelReader<Contracts.Events.V1.Delivery> reader, IServerStreamWriter<Contracts.Events.V1.Delivery> responses,
        CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var delivery in reader.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(delivery, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException) when (cancellationToken.IsCancellationRequested)
        {
            // The call completed while a write was under way.
        }
    }

    private List<CanonicalEventType> Resolve(string pluginId, OpenSubscription open)
    {
        var names = open.EventTypes.Count > 0
            ? open.EventTypes.Distinct(StringComparer.Ordinal).ToList()
            : snapshots.Current.Snapshot?.Find(pluginId)?.EventSubscribes.Order(StringComparer.Ordinal).ToList() ?? [];
        if (names.Count == 0)
        {
            throw EventsRefusal.Invalid($"The plugin '{pluginId}' declares no events.subscribes.").ToRpcException();
        }

        var types = new List<CanonicalEventType>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var type = CanonicalEventTypes.Find(names[i])
                ?? throw Refused(pluginId, AnyType, EventsRefusal.UnknownType(names[i]) with { Message = $"open.event_types[{i}]: '{names[i]}' is not a canonical event type." });
            if (CanonicalPolicy.DecideDelivery(snapshots.Current, pluginId, type) is { } refusal)
            {
                throw Refused(pluginId, type.FullName, refusal);
            }

            types.Add(type);
        }

        return types;
    }

    private static string Bounded(string value) => value.Length <= 512 ? value : value[..512];

    /// <summary>The audit target of a refused <c>Subscribe</c> that names no one canonical type.</summary>
    public const string AnyType = "fabrix.canonical.v1";

    /// <summary>
    /// Audits a refused <c>Subscribe</c> (<c>subscribe</c> on the canonical lane; target the type's full name when one type
    /// was refused) and returns the refusal to throw. Every decision is audited, opening a subscription included.
    /// </summary>
    public RpcException Refused(string pluginId, string target, EventsRefusal refusal)
    {
        audit.Write(new Fabrix.Core.Lanes.Audit.LaneDecision(pluginId, Contracts.Audit.V1.Lane.Canonical, target, "subscribe", false, refusal.Code,
            System.Diagnostics.Activity.Current?.TraceId.ToHexString() ?? Guid.CreateVersion7().ToString()));
        return refusal.ToRpcException();
    }

    private sealed class ChannelSink(ChannelWriter<Contracts.Events.V1.Delivery> writer) : IDeliverySink
    {
        public string Mode => "stream";

        public bool AuditsOutcome => false;

        public ValueTask SendAsync(Contracts.Events.V1.Delivery delivery, CancellationToken cancellationToken) => writer.WriteAsync(delivery, cancellationToken);
    }

    [LoggerMessage(EventId = 9710, Level = LogLevel.Debug, Message = "{Subscriber} settled an event that awaits no settling (already settled or redelivered)")]
    private static partial void LogUnknownSettle(ILogger logger, string subscriber);

    [LoggerMessage(EventId = 9711, Level = LogLevel.Warning, Message = "Delivery of {Type} to {Subscriber} failed; the subscription ends")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception, string subscriber, string type);

    [LoggerMessage(EventId = 9719, Level = LogLevel.Warning, Message = "Settling a delivery of {Subscriber} failed; the subscription ends")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string subscriber);
}
