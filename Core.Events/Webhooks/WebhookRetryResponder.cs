using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Streams;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>
/// Answers manual retries (issue 11 section 4): the registry, after authorizing and before auditing the administrator's
/// request, sends <see cref="WebhookRetryCommand"/> (protobuf JSON) on <see cref="WebhookDeliveryOptions.RetrySubject"/>,
/// a core-only subject only the registry may publish to (NATS permissions). Core.Events reads the event from the stream
/// at the sequence the delivery log names, checks it is that event, makes one attempt (attempt 0 in the log, audited
/// like every attempt) and answers <see cref="WebhookRetryResult"/>. The endpoint's schedule is not touched.
/// </summary>
internal sealed partial class WebhookRetryResponder(
    INatsConnection nats,
    EventStreams streams,
    WebhookTargetSource targets,
    WebhookDeliverer deliverer,
    IOptions<WebhookDeliveryOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookRetryResponder> logger) : WebhookControlResponder(nats, timeProvider)
{
    protected override string Subject => options.Value.RetrySubject;

    protected override async Task<IMessage> AnswerAsync(byte[] request, CancellationToken cancellationToken) => await RetryAsync(request, cancellationToken);

    protected override void LogSubscriptionFailed(Exception exception) => LogFailed(logger, exception);

    public async Task<WebhookRetryResult> RetryAsync(byte[] request, CancellationToken cancellationToken)
    {
        if (ParseCommand<WebhookRetryCommand>(request, "retry", out var problem) is not { } command)
        {
            return new WebhookRetryResult { Problem = problem };
        }

        if (!targets.Current.ContainsKey(command.EndpointId))
        {
            await targets.RefreshAsync(cancellationToken);
        }

        if (!targets.Current.TryGetValue(command.EndpointId, out var target))
        {
            return new WebhookRetryResult { Problem = $"Core.Events does not know the endpoint {command.EndpointId}." };
        }

        CanonicalEvent evt;
        try
        {
            await streams.EnsureAsync(cancellationToken);
            var stream = await streams.JetStream.GetStreamAsync(streams.Stream, cancellationToken: cancellationToken);
            var stored = await stream.GetAsync(new StreamMsgGetRequest { Seq = command.StreamSequence }, cancellationToken);
            evt = CanonicalEvent.Parser.ParseFrom(stored.Message.Data.Span);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            return new WebhookRetryResult { Problem = $"event {command.EventId} is no longer in the stream (past its retention)." };
        }

        if (evt.Id != command.EventId)
        {
            return new WebhookRetryResult { Problem = $"the stream holds another event at sequence {command.StreamSequence}; {command.EventId} is no longer there." };
        }

        var attempt = await deliverer.AttemptAsync(target, evt, attempt: 0, command.StreamSequence, cancellationToken);
        return new WebhookRetryResult { Found = true, Succeeded = attempt.Succeeded, Status = attempt.Status, Response = attempt.Response };
    }

    [LoggerMessage(EventId = 9765, Level = LogLevel.Warning, Message = "The webhook retry subscription failed; subscribing again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
