using System.Diagnostics;
using System.Globalization;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Streams;
using Fabrix.Core.Lanes.Audit;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>
/// Starts webhook replays (issue 11 section 4): the registry, after authorizing the administrator, sends
/// <see cref="WebhookReplayCommand"/> (protobuf JSON) on <see cref="WebhookDeliveryOptions.ReplaySubject"/>, a core-only
/// subject only the registry may publish to. Core.Events refuses a start older than the canonical stream keeps events
/// (its <c>max_age</c>, or the oldest event it still holds once it has dropped any), a disabled or unknown endpoint, and
/// a second replay while one is in progress; otherwise it creates the replay consumer (see
/// <see cref="WebhookDispatcher"/>) from that time, bounded by the stream's last sequence now, audits the start through
/// the decision audit (action <c>webhook.replay</c>), wakes the dispatcher and answers how many events it will deliver
/// again. It does not wait for the deliveries: they follow the usual schedule and appear in the delivery log.
/// </summary>
internal sealed partial class WebhookReplayResponder(
    INatsConnection nats,
    EventStreams streams,
    WebhookTargetSource targets,
    WebhookDispatcher dispatcher,
    DecisionAuditWriter audit,
    IOptions<WebhookDeliveryOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookReplayResponder> logger) : WebhookControlResponder(nats, timeProvider)
{
    public const string Action = "webhook.replay";

    protected override string Subject => options.Value.ReplaySubject;

    protected override async Task<IMessage> AnswerAsync(byte[] request, CancellationToken cancellationToken)
    {
        try
        {
            return await ReplayAsync(request, cancellationToken);
        }
        catch (Exception exception) when (exception is NatsException or TimeoutException)
        {
            LogReplayFailed(logger, exception);
            return new WebhookReplayResult { Problem = "the events stream could not be read: " + exception.Message };
        }
    }

    protected override void LogSubscriptionFailed(Exception exception) => LogFailed(logger, exception);

    public async Task<WebhookReplayResult> ReplayAsync(byte[] request, CancellationToken cancellationToken)
    {
        if (ParseCommand<WebhookReplayCommand>(request, "replay", out var problem) is not { } command)
        {
            return new WebhookReplayResult { Problem = problem };
        }

        if (command.Since is null)
        {
            return new WebhookReplayResult { Problem = "the replay request has no since." };
        }

        // The registry has just checked the endpoint: a view that disagrees is older than the registry's, so read again.
        if (!targets.Current.TryGetValue(command.EndpointId, out var known) || !known.Endpoint.Enabled)
        {
            await targets.RefreshAsync(cancellationToken);
        }

        if (!targets.Current.TryGetValue(command.EndpointId, out var target))
        {
            return Refused(RefusalCodes.WebhookEndpointNotFound, $"Core.Events does not know the endpoint {command.EndpointId}.");
        }

        if (!target.Endpoint.Enabled)
        {
            return Refused(RefusalCodes.WebhookEndpointDisabled, $"{command.EndpointId} is disabled: a disabled endpoint receives nothing; enable it first.");
        }

        var since = command.Since.ToDateTimeOffset();
        await streams.EnsureAsync(cancellationToken);
        var stream = await streams.JetStream.GetStreamAsync(streams.Stream, cancellationToken: cancellationToken);
        var info = stream.Info;
        var now = TimeProvider.GetUtcNow();
        if (info.Config.MaxAge > TimeSpan.Zero && since < now - info.Config.MaxAge)
        {
            return Refused(RefusalCodes.WebhookReplayOutOfRetention, string.Create(CultureInfo.InvariantCulture,
                $"{since:O} is older than the events stream keeps events ({info.Config.MaxAge}): a replay can start at {now - info.Config.MaxAge:O} at the earliest."));
        }

        // Limits other than age (size, count) may have dropped older events: then the oldest event held is the bound.
        if (info.State.FirstSeq > 1 && DateTimeOffset.TryParse(info.State.FirstTs, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var oldest)
            && since < oldest)
        {
            return Refused(RefusalCodes.WebhookReplayOutOfRetention, string.Create(CultureInfo.InvariantCulture,
                $"{since:O} is older than the oldest event the events stream still holds ({oldest:O}): a replay can start there at the earliest."));
        }

        var name = WebhookDispatcher.ReplayConsumerOf(command.EndpointId);
        try
        {
            var running = await streams.JetStream.GetConsumerAsync(streams.Stream, name, cancellationToken);
            return Refused(RefusalCodes.WebhookReplayInProgress, string.Create(CultureInfo.InvariantCulture,
                $"a replay of {command.EndpointId} is in progress ({running.Info.NumPending + (ulong)running.Info.NumAckPending} events left); wait for it to finish, or disable and enable the endpoint to cancel it."));
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
        }

        var last = info.State.LastSeq;
        ulong events = 0;
        if (last > 0)
        {
            var consumer = await streams.JetStream.CreateOrUpdateConsumerAsync(streams.Stream, new ConsumerConfig(name)
            {
                FilterSubjects = [.. dispatcher.FilterSubjectsOf(target.Endpoint)],
                DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartTime,
                OptStartTime = since,
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                AckWait = options.Value.RequestTimeout + options.Value.ConnectTimeout + TimeSpan.FromSeconds(30),
                MaxAckPending = options.Value.MaxInFlight,
                Description = WebhookDispatcher.ReplayDescription(last, since, command.Actor),
            }, cancellationToken);
            events = consumer.Info.NumPending;
            if (events == 0)
            {
                await streams.JetStream.DeleteConsumerAsync(streams.Stream, name, cancellationToken);
            }
            else
            {
                dispatcher.RequestRefresh();
            }
        }

        audit.Write(new LaneDecision("core-events", Fabrix.Contracts.Audit.V1.Lane.Canonical, "webhook:" + command.EndpointId, Action, true, string.Empty,
            command.CorrelationId.Length == 0 ? Activity.Current?.TraceId.ToHexString() ?? command.EndpointId : command.CorrelationId,
            Attributes: new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["endpoint_id"] = command.EndpointId,
                ["since"] = since.ToString("O", CultureInfo.InvariantCulture),
                ["events"] = events.ToString(CultureInfo.InvariantCulture),
                ["last_sequence"] = last.ToString(CultureInfo.InvariantCulture),
                ["administrator"] = command.Actor,
            }));
        return new WebhookReplayResult { Accepted = true, Events = events, LastSequence = last };
    }

    private static WebhookReplayResult Refused(string code, string problem) => new() { Code = code, Problem = problem };

    [LoggerMessage(EventId = 9768, Level = LogLevel.Warning, Message = "The webhook replay subscription failed; subscribing again")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9769, Level = LogLevel.Error, Message = "A webhook replay could not be started")]
    private static partial void LogReplayFailed(ILogger logger, Exception exception);
}
