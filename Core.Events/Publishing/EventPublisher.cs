using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Platform;
using Fabrix.Core.Events.Policy;
using Fabrix.Core.Events.Refusals;
using Fabrix.Core.Events.Streams;
using Fabrix.Core.Lanes.Audit;
using Fabrix.Core.Lanes.Policy;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Publishing;

/// <summary>A payload as it came: the JSON of the message (HTTP) or the packed message (gRPC).</summary>
internal readonly record struct EventPayload(string? Json, Any? Packed);

/// <summary>A publish's result: stored (with the id) or refused.</summary>
internal readonly record struct PublishOutcome(PublishResponse? Stored, EventsRefusal? Refusal);

/// <summary>
/// Publishes canonical events (issue 11 section 2): rate limit, <see cref="CanonicalPolicy.DecidePublish"/>, the strict
/// payload check, the envelope core stamps (UUIDv7 id, <c>fabrix://plugins/{id}</c>, time, classification,
/// traceparent), then a JetStream publish whose acknowledgement the call waits for. Every decision is audited
/// (<c>publish</c> on the canonical lane, attributes event_type, event_id, classification). Stored events are named in
/// items of shared records: a batch's of one type share one record (<see cref="AuditStored"/>), and single publishes of
/// one plugin and type within a short while share one too (<see cref="AuditStoredOne"/>); refusals are one record each.
/// </summary>
/// <remarks>
/// <para><b>Idempotency keys.</b> Without a key, <c>Nats-Msg-Id</c> is the event id. With one, it is
/// <c>idem:&lt;sha256(plugin, key)&gt;</c>, so JetStream's duplicate window (<c>Fabrix:Events:Streams:DuplicateWindow</c>)
/// is the dedupe window: a second publish with the same key stores nothing, and JetStream's acknowledgement names the
/// sequence of the first message (<c>duplicate: true</c>, <c>seq</c>). Core.Events reads that message back (a direct get
/// by sequence) and returns the id stored in its envelope. The key binds the first event: a repeat with other data
/// returns the first id and stores nothing.</para>
/// <para><b>Never accept then lose.</b> The response (and the audit record of an allowed publish) is written only after
/// JetStream acknowledged the message; a timeout, an error acknowledgement or no stream is a back-pressure refusal
/// with a retry hint, and the plugin retries (with its idempotency key, a retry after a lost acknowledgement is not
/// stored twice).</para>
/// </remarks>
internal sealed class EventPublisher(
    PolicySnapshotClient snapshots,
    EventStreams streams,
    PublishRateLimits rateLimits,
    DecisionAuditWriter audit,
    DecisionItemBatcher batcher,
    TimeProvider timeProvider,
    IOptions<PublishOptions> options)
{
    public const string ProtobufContentType = "application/protobuf";
    private const int MaxIdempotencyKeyLength = 128;
    private readonly PublishOptions _options = options.Value;

    /// <summary>Publishes one event.</summary>
    public async Task<PublishOutcome> PublishAsync(string pluginId, string typeName, EventPayload payload, string? idempotencyKey, string? traceparent,
        CancellationToken cancellationToken)
    {
        var prepared = Prepare(pluginId, typeName, payload, idempotencyKey, traceparent);
        if (prepared.Refusal is { } refusal)
        {
            return new PublishOutcome(null, refusal);
        }

        using var timeout = AckTimeout(cancellationToken);
        var outcome = (await StoreAsync([prepared], cancellationToken, timeout.Token))[0];
        if (outcome.Stored is { } stored)
        {
            AuditStoredOne(prepared, stored);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return outcome;
    }

    /// <summary>
    /// Publishes several events; each is checked on its own, the allowed ones are stored together (one deadline, one
    /// continuation for the batch: <see cref="JetStreamPublisher"/>), results in order. Refusals are audited one by one as
    /// they happen; the stored events are audited together once every acknowledgement is in (<see cref="AuditStored"/>).
    /// </summary>
    public async Task<IReadOnlyList<PublishOutcome>> PublishBatchAsync(string pluginId, IReadOnlyList<PublishRequest> requests, string? traceparent,
        CancellationToken cancellationToken)
    {
        using var timeout = AckTimeout(cancellationToken);
        var prepared = new Prepared[requests.Count];
        var outcomes = new PublishOutcome[requests.Count];
        var allowed = new List<Prepared>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            prepared[i] = Prepare(pluginId, TypeNameOf(request.Data), new EventPayload(null, request.Data), request.IdempotencyKey, traceparent);
            if (prepared[i].Refusal is { } refusal)
            {
                outcomes[i] = new PublishOutcome(null, refusal);
            }
            else
            {
                allowed.Add(prepared[i]);
            }
        }

        if (allowed.Count > 0)
        {
            var stored = await StoreAsync(allowed, cancellationToken, timeout.Token);
            for (int i = 0, k = 0; i < prepared.Length; i++)
            {
                if (prepared[i].Refusal is null)
                {
                    outcomes[i] = stored[k++];
                }
            }

            // Also when the call was cancelled part-way: what JetStream acknowledged is stored, so it is audited.
            AuditStored(pluginId, prepared, outcomes);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return outcomes;
    }

    /// <summary>The call's token, cancelled also when <see cref="PublishOptions.AckTimeout"/> has passed.</summary>
    private CancellationTokenSource AckTimeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AckTimeout);
        return timeout;
    }

    /// <summary>Audits a publish refused before the publisher saw it (the token check).</summary>
    public void AuditRefused(string pluginId, string typeName, EventsRefusal refusal, string? traceparent) =>
        Audit(pluginId, typeName, CanonicalEventTypes.Find(typeName) ?? CanonicalEventTypes.FindByFullName(typeName), null, refusal.Code, traceparent, duplicate: false);

    /// <summary>The canonical type name a packed message names (<c>type.googleapis.com/fabrix.canonical.v1.UserCreated</c>).</summary>
    public static string TypeNameOf(Any? packed)
    {
        if (packed is null || packed.TypeUrl.Length == 0)
        {
            return string.Empty;
        }

        // The URL Any.Pack writes for a canonical type: its full name without cutting a new string out of the URL.
        if (s_fullNameByTypeUrl.TryGetValue(packed.TypeUrl, out var fullName))
        {
            return fullName;
        }

        var slash = packed.TypeUrl.LastIndexOf('/');
        return slash < 0 ? packed.TypeUrl : packed.TypeUrl[(slash + 1)..];
    }

    private Prepared Prepare(string pluginId, string typeName, EventPayload payload, string? idempotencyKey, string? traceparent)
    {
        var view = snapshots.Current;
        var refusal = rateLimits.TryTake(pluginId, view.Snapshot?.Find(pluginId)?.LaneLimits?.CanonicalPublish)
            ?? CanonicalPolicy.DecidePublish(view, pluginId, typeName, out _);
        var type = CanonicalEventTypes.Find(typeName) ?? CanonicalEventTypes.FindByFullName(typeName);
        Any? data = null;
        if (refusal is null && idempotencyKey is { Length: > 0 } key && !ValidKey(key))
        {
            refusal = EventsRefusal.Invalid($"The idempotency key must be 1-{MaxIdempotencyKeyLength} printable ASCII characters.");
        }

        if (refusal is null)
        {
            data = Parse(type!, payload, out var error);
            if (data is null)
            {
                refusal = new EventsRefusal(RefusalCodes.EventPayloadInvalid, $"The payload is not a valid {type!.Name}: {error}",
                    StatusCodes.Status400BadRequest, Grpc.Core.StatusCode.InvalidArgument);
            }
        }

        if (refusal is null && audit.Buffered >= audit.Capacity)
        {
            refusal = EventsRefusal.AuditUnavailable;
        }

        if (refusal is not null)
        {
            Audit(pluginId, typeName, type, null, refusal.Code, traceparent, duplicate: false);
            return new Prepared(refusal, null!, null!, null!, string.Empty);
        }

        var now = timeProvider.GetUtcNow();
        var id = Uuids.NewVersion7(now).ToString();
        var envelope = new CanonicalEvent
        {
            Id = id,
            Source = SourceOf(pluginId),
            SpecVersion = CloudEventJson.SpecVersion,
            Type = type!.FullName,
            Time = Timestamp.FromDateTimeOffset(now),
            Datacontenttype = ProtobufContentType,
            Dataclassification = type.Classification,
            Traceparent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id! : traceparent ?? string.Empty,
            Data = data,
        };
        var msgId = idempotencyKey is { Length: > 0 } ? IdempotencyMessageId(pluginId, idempotencyKey) : id;
        return new Prepared(null, type, envelope, pluginId, msgId);
    }

    /// <summary>
    /// Stores <paramref name="prepared"/> (allowed events) and returns an outcome each, in order: stored, or a back-pressure
    /// refusal (audited) when JetStream refused, was unavailable or did not answer before <paramref name="timeoutToken"/>
    /// (the call's token linked with the acknowledgement deadline). Stored events are not audited here but by the caller.
    /// When the call itself was cancelled, what was not answered is neither stored nor refused: no outcome is audited for
    /// it, and the caller throws.
    /// </summary>
    private async Task<PublishOutcome[]> StoreAsync(IReadOnlyList<Prepared> prepared, CancellationToken cancellationToken, CancellationToken timeoutToken)
    {
        var outcomes = new PublishOutcome[prepared.Count];
        try
        {
            await streams.EnsureAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is NatsException or NatsJSException)
        {
            for (var i = 0; i < prepared.Count; i++)
            {
                outcomes[i] = Refuse(prepared[i], EventsRefusal.Backpressure(_options.RetryAfter, "JetStream is unavailable"));
            }

            return outcomes;
        }

        var messages = new JetStreamMessage[prepared.Count];
        for (var i = 0; i < prepared.Count; i++)
        {
            messages[i] = new JetStreamMessage(streams.SubjectOf(prepared[i].Type), prepared[i].Envelope, prepared[i].MessageId);
        }

        var acks = await streams.Publisher.PublishAsync(messages, timeoutToken);
        for (var i = 0; i < prepared.Count; i++)
        {
            var ack = acks[i];
            outcomes[i] = ack.Status switch
            {
                JetStreamAckStatus.Stored => await StoredAsync(prepared[i], ack, timeoutToken),
                JetStreamAckStatus.Refused => Refuse(prepared[i], EventsRefusal.Backpressure(_options.RetryAfter, $"JetStream answered {ack.Error}")),
                JetStreamAckStatus.NotSent => Refuse(prepared[i], EventsRefusal.Backpressure(_options.RetryAfter, "it was not sent to JetStream before the deadline")),
                // Sent, not answered: JetStream may have stored it. Audited (with the event id) also when the caller went away.
                JetStreamAckStatus.TimedOut => Refuse(prepared[i], EventsRefusal.OutcomeUnknown(_options.RetryAfter,
                    cancellationToken.IsCancellationRequested ? "the call was cancelled first" : $"within {_options.AckTimeout.TotalMilliseconds:0} ms")),
                _ => Refuse(prepared[i], EventsRefusal.Backpressure(_options.RetryAfter, "JetStream is unavailable")),
            };
        }

        return outcomes;
    }

    /// <summary>The outcome of a stored event: its id, or for a repeated idempotency key the first event's id.</summary>
    private async ValueTask<PublishOutcome> StoredAsync(Prepared prepared, JetStreamAck ack, CancellationToken timeoutToken)
    {
        var stored = new PublishResponse { EventId = prepared.Envelope.Id, Sequence = ack.Sequence, Duplicate = ack.Duplicate };
        if (!ack.Duplicate)
        {
            return new PublishOutcome(stored, null);
        }

        try
        {
            stored.EventId = await StoredIdAsync(ack.Sequence, timeoutToken);
            return new PublishOutcome(stored, null);
        }
        catch (OperationCanceledException)
        {
            return Refuse(prepared, EventsRefusal.Backpressure(_options.RetryAfter, "JetStream did not acknowledge it in time"));
        }
        catch (Exception exception) when (exception is NatsException or NatsJSException)
        {
            return Refuse(prepared, EventsRefusal.Backpressure(_options.RetryAfter, "JetStream is unavailable"));
        }
    }

    /// <summary>The event id in the envelope stored at <paramref name="sequence"/> (the first publish of an idempotency key).</summary>
    private async Task<string> StoredIdAsync(ulong sequence, CancellationToken cancellationToken)
    {
        var stream = await streams.JetStream.GetStreamAsync(streams.Stream, cancellationToken: cancellationToken);
        var stored = await stream.GetAsync(new StreamMsgGetRequest { Seq = sequence }, cancellationToken);
        return CanonicalEvent.Parser.ParseFrom(stored.Message.Data.Span).Id;
    }

    private PublishOutcome Refuse(Prepared prepared, EventsRefusal refusal)
    {
        Audit(prepared.PluginId, prepared.Type.Name, prepared.Type, prepared.Envelope.Id, refusal.Code, prepared.Envelope.Traceparent, duplicate: false);
        return new PublishOutcome(null, refusal);
    }

    private void Audit(string pluginId, string typeName, CanonicalEventType? type, string? eventId, string reasonCode, string? traceparent, bool duplicate)
    {
        var attributes = new Dictionary<string, string>(4, StringComparer.Ordinal) { ["event_type"] = type?.Name ?? Bounded(typeName) };
        if (eventId is not null)
        {
            attributes["event_id"] = eventId;
        }

        if (type is not null)
        {
            attributes["classification"] = type.Classification;
        }

        if (duplicate)
        {
            attributes["duplicate"] = "true";
        }

        audit.Write(new LaneDecision(pluginId, Lane.Canonical, type?.FullName ?? Bounded(typeName), "publish", reasonCode.Length == 0, reasonCode,
            Activity.Current?.TraceId.ToHexString() ?? eventId ?? string.Empty, string.IsNullOrEmpty(traceparent) ? null : traceparent, Attributes: attributes));
    }

    /// <summary>
    /// Audits one stored event of a single <c>Publish</c> call through <see cref="DecisionItemBatcher"/>: the stored events
    /// of one plugin and type within <c>ItemLinger</c> share one allowed <c>publish</c> record (attributes event_type,
    /// classification), one item each (event_id, and duplicate), as a batch's do.
    /// </summary>
    private void AuditStoredOne(Prepared prepared, PublishResponse stored)
    {
        var type = prepared.Type;
        var item = stored.Duplicate
            ? new Dictionary<string, string>(2, StringComparer.Ordinal) { ["event_id"] = stored.EventId, ["duplicate"] = "true" }
            : new Dictionary<string, string>(1, StringComparer.Ordinal) { ["event_id"] = stored.EventId };
        var traceparent = prepared.Envelope.Traceparent;
        batcher.Add(new LaneDecision(prepared.PluginId, Lane.Canonical, type.FullName, "publish", true, string.Empty,
            Activity.Current?.TraceId.ToHexString() ?? stored.EventId, string.IsNullOrEmpty(traceparent) ? null : traceparent,
            Attributes: s_storedAttributes.GetOrAdd(type, static t => new Dictionary<string, string>(2, StringComparer.Ordinal)
            {
                ["event_type"] = t.Name,
                ["classification"] = t.Classification,
            })), item);
    }

    // The record attributes of a single publish's group, one per type (the batcher only reads them).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<CanonicalEventType, IReadOnlyDictionary<string, string>> s_storedAttributes = new();

    /// <summary>
    /// Audits a batch's stored events: one allowed <c>publish</c> record per type and run of up to
    /// <see cref="DecisionMessages.MaxItems"/> events (in request order), whose attributes are what the events share
    /// (event_type, classification, events: the count) and whose items are each event's event_id (and duplicate). One
    /// audit row per batch instead of one per event is what keeps the audit's cost (the registry's hash chain, PostgreSQL)
    /// off the batch path's per-event price; every event is still named in the chain.
    /// </summary>
    private void AuditStored(string pluginId, Prepared[] prepared, PublishOutcome[] outcomes)
    {
        Dictionary<CanonicalEventType, List<IReadOnlyDictionary<string, string>>>? runs = null;
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i].Stored is not { } stored)
            {
                continue;
            }

            var type = prepared[i].Type;
            runs ??= [];
            if (!runs.TryGetValue(type, out var items))
            {
                runs[type] = items = new List<IReadOnlyDictionary<string, string>>(Math.Min(outcomes.Length, DecisionMessages.MaxItems));
            }

            items.Add(stored.Duplicate
                ? new Dictionary<string, string>(2, StringComparer.Ordinal) { ["event_id"] = stored.EventId, ["duplicate"] = "true" }
                : new Dictionary<string, string>(1, StringComparer.Ordinal) { ["event_id"] = stored.EventId });
            if (items.Count == DecisionMessages.MaxItems)
            {
                AuditRun(pluginId, type, items, prepared[i].Envelope.Traceparent);
                runs.Remove(type);
            }
        }

        foreach (var (type, items) in runs ?? [])
        {
            AuditRun(pluginId, type, items, prepared.First(p => p.Refusal is null && p.Type == type).Envelope.Traceparent);
        }
    }

    private void AuditRun(string pluginId, CanonicalEventType type, List<IReadOnlyDictionary<string, string>> items, string traceparent)
    {
        var attributes = new Dictionary<string, string>(3, StringComparer.Ordinal)
        {
            ["event_type"] = type.Name,
            ["classification"] = type.Classification,
            ["events"] = items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        audit.Write(new LaneDecision(pluginId, Lane.Canonical, type.FullName, "publish", true, string.Empty,
            Activity.Current?.TraceId.ToHexString() ?? items[0]["event_id"], string.IsNullOrEmpty(traceparent) ? null : traceparent,
            Attributes: attributes, Items: items));
    }

    /// <summary>
    /// The payload as the envelope's <c>data</c>, or null (with the reason) when it is not a valid <paramref name="type"/>.
    /// </summary>
    /// <remarks>
    /// Strict: the bytes must parse as the type, and a message with fields the type does not know is refused (unknown
    /// fields would travel unchecked to every subscriber). One parse drops unknown fields. When the message it yields
    /// writes back to exactly the length received, the bytes held no unknown fields: the received bytes can only be
    /// longer than the message's own encoding (unknown fields, or a longer encoding of known ones such as unpacked
    /// repeated scalars or a repeated field), never shorter, because the canonical types hold no maps (a map entry
    /// that omits its key is an encoding shorter than the writer's) and because a message with a negative int32 or enum
    /// value, which may arrive as a 5-byte varint instead of the writer's 10, always takes the second parse
    /// (<see cref="PayloadFields"/>, which also refuses timestamps and durations the well-known types do not allow:
    /// their JSON form could not be written for webhooks, push or dead letters). Then the received bytes are stored as sent,
    /// under the canonical type URL, and nothing is parsed or written again. Only a length that differs pays a second
    /// parse, keeping unknown fields, which tells unknown fields (refused) from a longer encoding (accepted, and stored
    /// as the message writes itself). Bytes stored as sent can differ from the message's own encoding only in the order
    /// of its fields: ill-formed UTF-8 in a string field is refused by the parser (<c>PublishTests</c> holds that).
    /// </remarks>
    private Any? Parse(CanonicalEventType type, EventPayload payload, out string? error)
    {
        error = null;
        if (payload.Json is { } json)
        {
            return CloudEventJson.ParsePayload(type, json, out error) is { } parsed ? Any.Pack(parsed) : null;
        }

        if (payload.Packed is not { } packed || packed.Value.Length > _options.MaxPayloadBytes)
        {
            error = payload.Packed is null ? "no data" : $"over {_options.MaxPayloadBytes} bytes";
            return null;
        }

        try
        {
            var strict = StrictPayload.Of(type);
            var message = strict.Parser.ParseFrom(packed.Value);
            if (PayloadFields.Check(message, out var lengthRevealsUnknownFields) is { } invalid)
            {
                error = invalid;
                return null;
            }

            var size = message.CalculateSize();
            if (size == packed.Value.Length && lengthRevealsUnknownFields)
            {
                return new Any { TypeUrl = strict.TypeUrl, Value = packed.Value };
            }

            if (type.Descriptor.Parser.ParseFrom(packed.Value).CalculateSize() != size)
            {
                error = "it carries fields the type does not declare";
                return null;
            }

            return Any.Pack(message);
        }
        catch (InvalidProtocolBufferException exception)
        {
            error = exception.Message;
            return null;
        }
    }

    // The type URLs Any.Pack writes for the canonical types, and their full names.
    private static readonly System.Collections.Frozen.FrozenDictionary<string, string> s_fullNameByTypeUrl =
        System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(CanonicalEventTypes.All, t => "type.googleapis.com/" + t.FullName, t => t.FullName, StringComparer.Ordinal);

    // The envelope's source per publisher (fabrix://plugins/{id}), kept for a bounded number of plugins.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_sources = new(StringComparer.Ordinal);
    private const int MaxCachedSources = 4096;

    private static string SourceOf(string pluginId)
    {
        if (s_sources.TryGetValue(pluginId, out var source))
        {
            return source;
        }

        source = $"fabrix://plugins/{pluginId}";
        if (s_sources.Count < MaxCachedSources)
        {
            s_sources.TryAdd(pluginId, source);
        }

        return source;
    }

    private static bool ValidKey(string key) => key.Length <= MaxIdempotencyKeyLength && key.All(c => c is >= '!' and <= '~');

    private static string IdempotencyMessageId(string pluginId, string key) =>
        "idem:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{pluginId}\n{key}")));

    private static string Bounded(string value) => value.Length <= 128 ? value : value[..128];

    /// <summary>Per canonical type: the parser that drops unknown fields, and the type URL <see cref="Any.Pack(IMessage)"/> writes.</summary>
    private sealed record StrictPayload(MessageParser Parser, string TypeUrl)
    {
        private static readonly System.Collections.Frozen.FrozenDictionary<CanonicalEventType, StrictPayload> s_byType =
            System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(CanonicalEventTypes.All, t => t,
                t => new StrictPayload(t.Descriptor.Parser.WithDiscardUnknownFields(true), "type.googleapis.com/" + t.FullName));

        public static StrictPayload Of(CanonicalEventType type) => s_byType[type];
    }

    private sealed record Prepared(EventsRefusal? Refusal, CanonicalEventType Type, CanonicalEvent Envelope, string PluginId, string MessageId);
}
