using System.Diagnostics;
using System.Globalization;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Delivery;
using Fabrix.Core.Events.Streams;
using Fabrix.Core.Lanes.Audit;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Control;

/// <summary>
/// The dead-letter stream as administrators see it (issue 11 section 3, "DLQ and replay"): listing (headers only),
/// reading one, and replaying one to its subscriber only. Reads go through a short-lived consumer (memory, deleted after the read,
/// no acks) filtered to <c>&lt;dlq prefix&gt;.&lt;subscriber|*&gt;.&lt;Type|*&gt;</c>, which works on nats-server 2.9.
/// A replay republishes the original envelope on the type's subject with <see cref="ReplayForHeader"/> naming the
/// subscriber: every other subscriber's pump acknowledges it without delivering (<see cref="SubscriptionPump"/>), so
/// only that subscriber receives it again, durably and at least once. Stored first, then the dead letter is removed,
/// then audited (<c>replay_dead_letter</c>).
/// </summary>
internal sealed class DeadLetterStore(EventStreams streams, DecisionAuditWriter audit)
{
    /// <summary>On a replayed event: the only subscriber it is for.</summary>
    public const string ReplayForHeader = "Fabrix-Replay-For";

    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public async Task<ListDeadLettersResponse> ListAsync(ListDeadLettersRequest request, CancellationToken cancellationToken)
    {
        var filter = Filter(request.PluginId, request.EventType);
        if (request.Limit is < 0 or > MaxLimit)
        {
            throw ControlRefusal.Invalid($"limit must be between 1 and {MaxLimit}, or 0 for {DefaultLimit}.");
        }

        var limit = request.Limit == 0 ? DefaultLimit : request.Limit;
        var response = new ListDeadLettersResponse();
        await foreach (var message in ReadAsync(filter, request.AfterSequence + 1, limit + 1, headersOnly: true, cancellationToken))
        {
            if (response.DeadLetters.Count == limit)
            {
                response.Truncated = true;
                break;
            }

            response.DeadLetters.Add(Describe(message));
        }

        return response;
    }

    public async Task<GetDeadLetterResponse> GetAsync(GetDeadLetterRequest request, bool includePayload, CancellationToken cancellationToken)
    {
        var message = await FindAsync(request.Sequence, !includePayload, cancellationToken);
        var response = new GetDeadLetterResponse { DeadLetter = Describe(message), PayloadWithheld = !includePayload };
        if (includePayload)
        {
            response.EventJson = CloudEventJson.Write(CanonicalEvent.Parser.ParseFrom(message.Data ?? []));
        }

        return response;
    }

    public async Task<ReplayDeadLetterResponse> ReplayAsync(ReplayDeadLetterRequest request, string actor, string correlationId, CancellationToken cancellationToken)
    {
        var message = await FindAsync(request.Sequence, headersOnly: false, cancellationToken);
        var letter = Describe(message);
        if (CanonicalEventTypes.Find(letter.EventType) is not { } type || letter.PluginId.Length == 0)
        {
            throw new ControlRefusal(RefusalCodes.DeadLetterNotFound, $"Dead letter {request.Sequence} does not name a subscriber and a canonical type.");
        }

        var evt = CanonicalEvent.Parser.ParseFrom(message.Data ?? []);
        var headers = new NatsHeaders { [ReplayForHeader] = letter.PluginId };
        var ack = await streams.JetStream.PublishAsync(streams.SubjectOf(type), message.Data ?? [], headers: headers,
            opts: new NatsJSPubOpts { MsgId = string.Create(CultureInfo.InvariantCulture, $"replay:{streams.DeadLetterStream}:{request.Sequence}") },
            cancellationToken: cancellationToken);
        ack.EnsureSuccess();
        await streams.JetStream.DeleteMessageAsync(streams.DeadLetterStream, new StreamMsgDeleteRequest { Seq = request.Sequence, NoErase = true },
            cancellationToken);
        audit.Write(new LaneDecision(letter.PluginId, Lane.Canonical, type.FullName, "replay_dead_letter", true, string.Empty,
            correlationId.Length == 0 ? Activity.Current?.TraceId.ToHexString() ?? evt.Id : correlationId, evt.Traceparent.Length == 0 ? null : evt.Traceparent,
            Attributes: new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["event_type"] = type.Name,
                ["event_id"] = evt.Id,
                ["classification"] = type.Classification,
                ["dead_letter_sequence"] = request.Sequence.ToString(CultureInfo.InvariantCulture),
                ["replay_sequence"] = ack.Seq.ToString(CultureInfo.InvariantCulture),
                ["administrator"] = actor,
            }));
        return new ReplayDeadLetterResponse { PluginId = letter.PluginId, EventId = evt.Id, ReplaySequence = ack.Seq };
    }

    private async Task<INatsJSMsg<byte[]>> FindAsync(ulong sequence, bool headersOnly, CancellationToken cancellationToken)
    {
        if (sequence == 0)
        {
            throw ControlRefusal.Invalid("sequence must be a dead-letter stream sequence (1 or more).");
        }

        await foreach (var message in ReadAsync(null, sequence, 1, headersOnly, cancellationToken))
        {
            if (message.Metadata?.Sequence.Stream == sequence)
            {
                return message;
            }
        }

        throw new ControlRefusal(RefusalCodes.DeadLetterNotFound, $"There is no dead letter {sequence}.");
    }

    private async IAsyncEnumerable<INatsJSMsg<byte[]>> ReadAsync(string? filter, ulong from, int count, bool headersOnly,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await streams.EnsureAsync(cancellationToken);
        // Named: NATS.Net appends the filter to the create subject, which nats-server 2.9 reads as the consumer's name
        // when there is none. Deleted below; a crash in between leaves a consumer without interest, which costs nothing.
        var consumer = await streams.JetStream.CreateOrUpdateConsumerAsync(streams.DeadLetterStream, new ConsumerConfig($"admin-read-{Guid.NewGuid():N}")
        {
            FilterSubject = filter ?? string.Empty,
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = from,
            AckPolicy = ConsumerConfigAckPolicy.None,
            HeadersOnly = headersOnly,
            MemStorage = true,
        }, cancellationToken);
        try
        {
            await foreach (var message in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = count }, cancellationToken: cancellationToken))
            {
                yield return message;
            }
        }
        finally
        {
            await streams.JetStream.DeleteConsumerAsync(streams.DeadLetterStream, consumer.Info.Name, CancellationToken.None);
        }
    }

    private string? Filter(string pluginId, string eventType)
    {
        if (pluginId.Length == 0 && eventType.Length == 0)
        {
            return null;
        }

        if (pluginId.Length > 0 && !SubjectToken(pluginId))
        {
            throw ControlRefusal.Invalid($"plugin_id '{pluginId}' is not a plugin id.");
        }

        if (eventType.Length > 0 && CanonicalEventTypes.Find(eventType) is null)
        {
            throw ControlRefusal.Invalid($"event_type '{eventType}' is not a canonical type.");
        }

        return $"{streams.DeadLetterSubjectPrefix}.{(pluginId.Length == 0 ? "*" : pluginId)}.{(eventType.Length == 0 ? "*" : eventType)}";
    }

    internal static bool SubjectToken(string value) =>
        value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static DeadLetter Describe(INatsJSMsg<byte[]> message)
    {
        var headers = message.Headers;
        string Header(string name) => headers is not null && headers.TryGetValue(name, out var value) ? value.ToString() : string.Empty;
        var typeName = Header(DeadLetters.EventTypeHeader);
        var letter = new DeadLetter
        {
            Sequence = message.Metadata?.Sequence.Stream ?? 0,
            PluginId = Header(DeadLetters.SubscriberHeader),
            EventId = Header(DeadLetters.EventIdHeader),
            EventType = typeName,
            Classification = CanonicalEventTypes.Find(typeName)?.Classification ?? string.Empty,
            Source = Header(DeadLetters.SourceHeader),
            Reason = Header(DeadLetters.ReasonHeader),
            Deliveries = uint.TryParse(Header(DeadLetters.DeliveriesHeader), CultureInfo.InvariantCulture, out var deliveries) ? deliveries : 0,
            EventSequence = ulong.TryParse(Header(DeadLetters.SequenceHeader), CultureInfo.InvariantCulture, out var sequence) ? sequence : 0,
        };
        if (message.Metadata is { } metadata)
        {
            letter.DeadLetteredAt = Timestamp.FromDateTimeOffset(metadata.Timestamp);
        }

        if (letter.Source.Length == 0 && message.Data is { Length: > 0 } data)
        {
            // Dead letters stored before the source header existed: read it from the envelope.
            try
            {
                letter.Source = CanonicalEvent.Parser.ParseFrom(data).Source;
            }
            catch (InvalidProtocolBufferException)
            {
            }
        }

        return letter;
    }
}
