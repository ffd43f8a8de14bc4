using Fabrix.Contracts.Events;
using Fabrix.Contracts.Events.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Fabrix.Core.Events.Control;

/// <summary>
/// Answers the registry's control requests (<see cref="EventsControl"/>, <c>&lt;prefix&gt;.&gt;</c>, by default <c>fabrix.control.events.&gt;</c>) one at a
/// time: administration is rare, and one at a time keeps replays from racing each other. Only the registry's NATS user
/// may publish there (AppHost/Nats, deploy/kubernetes), so the registry has already authenticated, role-checked and
/// audited the administrator; Core.Events audits what it did as a lane decision. A refused or failed request is
/// answered with <see cref="EventsControl.ErrorHeader"/>; nothing is left unanswered except after a crash.
/// </summary>
internal sealed partial class EventsControlService(
    INatsConnection nats,
    DeadLetterStore deadLetters,
    SubscriptionControl subscriptions,
    IOptions<ControlOptions> options,
    ILogger<EventsControlService> logger) : BackgroundService
{
    private readonly string _prefix = options.Value.SubjectPrefix + ".";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var message in nats.SubscribeAsync<byte[]>(_prefix + ">", cancellationToken: stoppingToken))
                {
                    await AnswerAsync(message, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogSubscriptionFailed(logger, exception);
            }
        }
    }

    private async Task AnswerAsync(NatsMsg<byte[]> message, CancellationToken cancellationToken)
    {
        if (message.ReplyTo is null)
        {
            return;
        }

        var data = message.Data ?? [];
        var actor = Header(message, EventsControl.ActorHeader);
        var correlationId = Header(message, EventsControl.CorrelationHeader);
        try
        {
            IMessage reply = (message.Subject.StartsWith(_prefix, StringComparison.Ordinal) ? message.Subject[_prefix.Length..] : string.Empty) switch
            {
                EventsControl.ListSubscriptions => await subscriptions.ListAsync(ListSubscriptionsRequest.Parser.ParseFrom(data), cancellationToken),
                EventsControl.ListDeadLetters => await deadLetters.ListAsync(ListDeadLettersRequest.Parser.ParseFrom(data), cancellationToken),
                EventsControl.GetDeadLetter => await deadLetters.GetAsync(GetDeadLetterRequest.Parser.ParseFrom(data),
                    Header(message, EventsControl.IncludePayloadHeader) == "true", cancellationToken),
                EventsControl.ReplayDeadLetter => await deadLetters.ReplayAsync(ReplayDeadLetterRequest.Parser.ParseFrom(data), actor, correlationId, cancellationToken),
                EventsControl.ReplaySubscription => await subscriptions.ReplayAsync(ReplaySubscriptionRequest.Parser.ParseFrom(data), actor, correlationId, cancellationToken),
                _ => throw ControlRefusal.Invalid($"'{message.Subject}' is not a control subject of Core.Events."),
            };
            await message.ReplyAsync(reply.ToByteArray(), cancellationToken: cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (code, reason) = exception switch
            {
                ControlRefusal refusal => (refusal.Code, refusal.Message),
                InvalidProtocolBufferException => (RefusalCodes.InvalidArgument, "The control request is not the subject's protobuf message."),
                _ => (RefusalCodes.EventsControlUnavailable, "Core.Events could not execute the request; see its log."),
            };
            if (exception is not ControlRefusal and not InvalidProtocolBufferException)
            {
                LogRequestFailed(logger, exception, message.Subject);
            }

            var headers = new NatsHeaders { [EventsControl.ErrorHeader] = code, [EventsControl.MessageHeader] = reason.Length <= 512 ? reason : reason[..512] };
            await message.ReplyAsync(Array.Empty<byte>(), headers: headers, cancellationToken: cancellationToken);
        }
    }

    private static string Header(NatsMsg<byte[]> message, string name) =>
        message.Headers is { } headers && headers.TryGetValue(name, out var value) ? value.ToString() : string.Empty;

    [LoggerMessage(EventId = 9740, Level = LogLevel.Warning, Message = "The control subscription failed; subscribing again")]
    private static partial void LogSubscriptionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9741, Level = LogLevel.Error, Message = "The control request on {Subject} failed")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, string subject);
}
