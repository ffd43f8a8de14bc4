using Fabrix.Contracts.Canonical;
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
/// Delivers canonical events to the enabled webhook endpoints (issue 11 section 4), JetStream-backed: one durable
/// consumer per endpoint (<c>webhook_&lt;id&gt;</c>) on the events stream, filtered to the endpoint's types, so pending
/// deliveries and their schedule live in NATS and survive a restart of Core.Events. The schedule is done by
/// nak-with-delay (<see cref="WebhookSchedule"/>): an attempt that fails is put back with the next wait, and
/// JetStream's delivery count is the attempt number. After the last attempt the event is terminated for that endpoint;
/// 410 Gone, or failing for the failure period, disables the endpoint (<see cref="WebhookEndpointStates"/>). A disabled
/// or removed endpoint's consumer is deleted: a disabled endpoint receives nothing, and nothing is queued for it.
/// Attempts per endpoint are made one after another.
/// </summary>
internal sealed partial class WebhookDispatcher(
    WebhookTargetSource targets,
    EventStreams streams,
    WebhookDeliverer deliverer,
    WebhookEndpointStates states,
    IOptions<WebhookDeliveryOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ConsumerPrefix = "webhook_";

    private readonly WebhookDeliveryOptions _options = options.Value;
    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);

    /// <summary>The consumer of an endpoint.</summary>
    public static string ConsumerOf(string endpointId) => ConsumerPrefix + endpointId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RefreshInterval, timeProvider);
        try
        {
            do
            {
                try
                {
                    if (await targets.RefreshAsync(stoppingToken))
                    {
                        await ReconcileAsync(stoppingToken);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogReconcileFailed(logger, exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var worker in _workers.Values)
            {
                await worker.StopAsync();
            }
        }
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var current = targets.Current;
        foreach (var (id, worker) in _workers.ToList())
        {
            if (!current.TryGetValue(id, out var target) || !target.Endpoint.Enabled || worker.Fingerprint != Fingerprint(target))
            {
                await worker.StopAsync();
                _workers.Remove(id);
                if (target is null || !target.Endpoint.Enabled)
                {
                    states.Forget(id);
                    await DeleteConsumerAsync(id, cancellationToken);
                }
            }
        }

        foreach (var target in current.Values)
        {
            if (target.Endpoint.Enabled && !_workers.ContainsKey(target.Endpoint.Id))
            {
                var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _workers[target.Endpoint.Id] = new Worker(Fingerprint(target), stop, RunAsync(target, stop.Token));
            }
        }

        // Endpoints disabled or removed while Core.Events was down still have consumers: delete them too.
        foreach (var target in current.Values.Where(t => !t.Endpoint.Enabled))
        {
            await DeleteConsumerAsync(target.Endpoint.Id, cancellationToken);
        }
    }

    private async Task RunAsync(WebhookTarget target, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var consumer = await EnsureConsumerAsync(target.Endpoint, cancellationToken);
                await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = 16 }, cancellationToken: cancellationToken))
                {
                    if (!await HandleAsync(target, message, cancellationToken))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NatsException or NatsJSException or Grpc.Core.RpcException or HttpRequestException)
            {
                LogWorkerFailed(logger, exception, target.Endpoint.Id);
                try
                {
                    await Task.Delay(_options.RefreshInterval, timeProvider, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One message: an attempt, then ack, nak with the next wait, or terminate. False when the endpoint was disabled.</summary>
    private async Task<bool> HandleAsync(WebhookTarget target, INatsJSMsg<byte[]> message, CancellationToken cancellationToken)
    {
        CanonicalEvent evt;
        try
        {
            evt = CanonicalEvent.Parser.ParseFrom(message.Data ?? []);
        }
        catch (InvalidProtocolBufferException exception)
        {
            LogUnreadable(logger, exception, target.Endpoint.Id);
            await message.AckTerminateAsync(cancellationToken: cancellationToken);
            return true;
        }

        var attempt = (int)(message.Metadata?.NumDelivered ?? 1);
        var schedule = _options.Attempts();
        if (attempt > schedule.Count)
        {
            // Its last scheduled attempt was made but never settled (Core.Events stopped mid-attempt): the schedule is over.
            await message.AckTerminateAsync(cancellationToken: cancellationToken);
            return true;
        }

        if (!deliverer.CanAudit)
        {
            await message.NakAsync(new AckOpts { NakDelay = TimeSpan.FromSeconds(1) }, cancellationToken);
            return true;
        }

        var result = await deliverer.AttemptAsync(target, evt, attempt, message.Metadata?.Sequence.Stream ?? 0, cancellationToken);
        var step = WebhookSchedule.After(attempt, result.Status, result.RetryAfter, _options, Random.Shared.NextDouble());
        // The endpoint as last read (failing_since may have changed since this worker started).
        var endpoint = targets.Current.TryGetValue(target.Endpoint.Id, out var latest) ? latest.Endpoint : target.Endpoint;
        switch (step.Next)
        {
            case WebhookNext.Delivered:
                await message.AckAsync(cancellationToken: cancellationToken);
                await states.SucceededAsync(endpoint, cancellationToken);
                return true;
            case WebhookNext.Retry:
                await message.NakAsync(new AckOpts { NakDelay = step.Delay }, cancellationToken);
                return await states.FailedAsync(endpoint, cancellationToken);
            case WebhookNext.GiveUp:
                await message.AckTerminateAsync(cancellationToken: cancellationToken);
                return await states.FailedAsync(endpoint, cancellationToken);
            default:
                await message.AckTerminateAsync(cancellationToken: cancellationToken);
                await states.DisableAsync(endpoint, "gone", $"410 Gone from {endpoint.Url}", cancellationToken);
                return false;
        }
    }

    private async Task<INatsJSConsumer> EnsureConsumerAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        await streams.EnsureAsync(cancellationToken);
        var types = endpoint.EventTypes.Count == 0
            ? CanonicalEventTypes.All
            : endpoint.EventTypes.Select(CanonicalEventTypes.FindByFullName).OfType<CanonicalEventType>().ToList();
        return await streams.JetStream.CreateOrUpdateConsumerAsync(streams.Stream, new ConsumerConfig(ConsumerOf(endpoint.Id))
        {
            FilterSubjects = [.. types.Select(streams.SubjectOf).Order(StringComparer.Ordinal)],
            DeliverPolicy = ConsumerConfigDeliverPolicy.New,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            // Longer than one attempt: an attempt in progress is never redelivered under it.
            AckWait = _options.RequestTimeout + _options.ConnectTimeout + TimeSpan.FromSeconds(30),
            MaxAckPending = _options.MaxInFlight,
        }, cancellationToken);
    }

    private async Task DeleteConsumerAsync(string endpointId, CancellationToken cancellationToken)
    {
        try
        {
            await streams.JetStream.DeleteConsumerAsync(streams.Stream, ConsumerOf(endpointId), cancellationToken);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
        }
    }

    private static string Fingerprint(WebhookTarget target) =>
        string.Join('\n', [target.Endpoint.Url, string.Join(' ', target.Endpoint.EventTypes), .. target.Secrets]);

    private sealed record Worker(string Fingerprint, CancellationTokenSource Stop, Task Running)
    {
        public async Task StopAsync()
        {
            await Stop.CancelAsync();
            try
            {
                await Running;
            }
            catch (OperationCanceledException)
            {
            }

            Stop.Dispose();
        }
    }

    [LoggerMessage(EventId = 9762, Level = LogLevel.Error, Message = "Reconciling the webhook endpoints failed; the next refresh tries again")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9763, Level = LogLevel.Warning, Message = "Delivering to webhook endpoint {EndpointId} failed; resuming")]
    private static partial void LogWorkerFailed(ILogger logger, Exception exception, string endpointId);

    [LoggerMessage(EventId = 9764, Level = LogLevel.Error, Message = "An unreadable message was terminated for webhook endpoint {EndpointId}")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string endpointId);
}
