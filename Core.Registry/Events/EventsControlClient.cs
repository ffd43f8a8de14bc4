using Fabrix.Contracts.Events;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Events;

/// <summary>Core.Events did not answer a control request, or failed it: an outage (UNAVAILABLE), not a refusal.</summary>
internal sealed class EventsControlUnavailableException : Exception
{
    public EventsControlUnavailableException()
    {
    }

    public EventsControlUnavailableException(string message)
        : base(message)
    {
    }

    public EventsControlUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The registry's side of the control plane to Core.Events (<see cref="EventsControl"/>): a NATS request with the
/// administrator's actor and correlation id as headers, answered within <see cref="EventsAdminOptions.ControlTimeout"/>. A refusal of Core.Events
/// comes back as a <see cref="Refusal"/> for the caller to audit; no answer (no responders, a timeout, a failure inside
/// Core.Events) is <see cref="EventsControlUnavailableException"/>.
/// </summary>
internal sealed class EventsControlClient(INatsConnection nats, IOptions<EventsAdminOptions> options)
{
    private readonly EventsAdminOptions _options = options.Value;

    public async Task<(TReply? Reply, Refusal? Refusal)> RequestAsync<TReply>(string name, IMessage request, Caller caller, MessageParser<TReply> parser,
        CancellationToken cancellationToken, bool includePayload = false)
        where TReply : IMessage<TReply>
    {
        var subject = EventsControl.Subject(_options.ControlSubjectPrefix, name);
        var headers = new NatsHeaders
        {
            [EventsControl.ActorHeader] = caller.Actor,
            [EventsControl.CorrelationHeader] = caller.CorrelationId,
        };
        if (includePayload)
        {
            headers[EventsControl.IncludePayloadHeader] = "true";
        }

        NatsMsg<byte[]> reply;
        try
        {
            reply = await nats.RequestAsync<byte[], byte[]>(subject, request.ToByteArray(), headers,
                replyOpts: new NatsSubOpts { Timeout = _options.ControlTimeout }, cancellationToken: cancellationToken);
        }
        catch (Exception exception) when (exception is NatsNoRespondersException or NatsNoReplyException)
        {
            throw new EventsControlUnavailableException($"Core.Events did not answer on {subject}.", exception);
        }

        if (reply.Headers is { } replyHeaders && replyHeaders.TryGetValue(EventsControl.ErrorHeader, out var code))
        {
            var message = replyHeaders.TryGetValue(EventsControl.MessageHeader, out var text) ? text.ToString() : string.Empty;
            return code.ToString() switch
            {
                RefusalCodes.DeadLetterNotFound or RefusalCodes.SubscriptionNotFound => (default, Refusal.Of(RefusalKind.NotFound, code.ToString(), message)),
                RefusalCodes.InvalidArgument => (default, Refusal.Invalid(message, [])),
                _ => throw new EventsControlUnavailableException($"Core.Events failed the request on {subject}: {code} {message}"),
            };
        }

        try
        {
            return (parser.ParseFrom(reply.Data ?? []), null);
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new EventsControlUnavailableException($"Core.Events answered {subject} with an unreadable message.", exception);
        }
    }
}
