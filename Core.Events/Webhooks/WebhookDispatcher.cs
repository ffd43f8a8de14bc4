using System.Globalization;
using System.Threading.Channels;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Events.Delivery;
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
/// or removed endpoint's consumers are deleted: a disabled endpoint receives nothing, and nothing is queued for it.
/// Up to <see cref="WebhookDeliveryOptions.ParallelAttempts"/> attempts to one endpoint are made at a time, so events
/// may arrive out of stream order (Standard Webhooks promises no order; receivers dedupe by <c>webhook-id</c>).
/// <para>
/// The endpoints are read again when the registry announces a change (<see cref="RequestRefresh"/>, from
/// <see cref="WebhookChangeListener"/>) and every <see cref="WebhookDeliveryOptions.RefreshInterval"/> in any case.
/// </para>
/// <para>
/// A replay (<see cref="WebhookReplayResponder"/>) is a second durable consumer, <c>webhook_&lt;id&gt;_replay</c>,
/// starting at the replay's time and bounded by the stream's last sequence when it started (in its description, see
/// <see cref="ReplayDescriptionPrefix"/>): its events are delivered like any (same handler, schedule and log), alongside the
/// endpoint's live deliveries, and the consumer is deleted once every event up to the bound is settled. Being durable,
/// a replay survives a restart of Core.Events too.
/// </para>
/// <para>
/// A message is settled (ack, nak, terminate) only in the delivery connection's epoch it arrived in
/// (<see cref="DeliveryEpoch"/>): when the connection is lost, the attempts in progress finish and are logged, their
/// settlements are not sent, and the consumer is consumed afresh; JetStream delivers those events again after the ack
/// wait, with the same <c>webhook-id</c>.
/// </para>
/// </summary>
internal sealed partial class WebhookDispatcher(
    WebhookTargetSource targets,
    EventStreams streams,
    WebhookDeliverer deliverer,
    WebhookEndpointStates states,
    DeliveryEpoch epochs,
    IOptions<WebhookDeliveryOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ConsumerPrefix = "webhook_";

    /// <summary>The suffix of a replay consumer's name.</summary>
    public const string ReplaySuffix = "_replay";

    /// <summary>
    /// How a replay consumer's description begins; the last stream sequence the replay covers follows. The bound lives in
    /// the description rather than consumer metadata, which NATS servers before 2.10 drop.
    /// </summary>
    public const string ReplayDescriptionPrefix = "fabrix webhook replay up to stream sequence ";

    private static readonly System.Buffers.SearchValues<char> s_hex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly WebhookDeliveryOptions _options = options.Value;
    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Worker> _replays = new(StringComparer.Ordinal);

    // One pending "read again" is enough: requests arriving while one is pending are the same request.
    private readonly Channel<bool> _refresh = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private long _stale;

    /// <summary>Settlements not sent because the message arrived before the delivery connection was lost (<see cref="DeliveryEpoch"/>).</summary>
    public long Stale => Interlocked.Read(ref _stale);

    /// <summary>The consumer of an endpoint.</summary>
    public static string ConsumerOf(string endpointId) => ConsumerPrefix + endpointId;

    /// <summary>The replay consumer of an endpoint.</summary>
    public static string ReplayConsumerOf(string endpointId) => ConsumerPrefix + endpointId + ReplaySuffix;

    /// <summary>Reads the endpoints again now (the registry announced a change, or a replay was started) rather than at the next poll.</summary>
    public void RequestRefresh() => _refresh.Writer.TryWrite(true);

    /// <summary>The stream subjects of the endpoint's event types (every canonical type when it names none).</summary>
    public IReadOnlyList<string> FilterSubjectsOf(WebhookEndpoint endpoint)
    {
        var types = endpoint.EventTypes.Count == 0
            ? CanonicalEventTypes.All
            : endpoint.EventTypes.Select(CanonicalEventTypes.FindByFullName).OfType<CanonicalEventType>().ToList();
        return [.. types.Select(streams.SubjectOf).Order(StringComparer.Ordinal)];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
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

                await WaitForRefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var worker in _workers.Values.Concat(_replays.Values))
            {
                await worker.StopAsync();
            }
        }
    }

    // Until a refresh is requested or the poll interval has passed, whichever comes first.
    private async Task WaitForRefreshAsync(CancellationToken stoppingToken)
    {
        using var poll = new CancellationTokenSource(_options.RefreshInterval, timeProvider);
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(poll.Token, stoppingToken);
        try
        {
            await _refresh.Reader.WaitToReadAsync(wake.Token);
            _refresh.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
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
                    await DeleteConsumerAsync(ConsumerOf(id), cancellationToken);
                }
            }
        }

        foreach (var (id, worker) in _replays.ToList())
        {
            if (worker.Running.IsCompleted || !current.TryGetValue(id, out var target) || !target.Endpoint.Enabled || worker.Fingerprint != Fingerprint(target))
            {
                await worker.StopAsync();
                _replays.Remove(id);
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

        // Replays started since the last reconcile (or before a restart), and consumers of endpoints disabled or removed
        // (also while Core.Events was down): a disabled endpoint has no consumer, and disabling cancels its replay.
        await foreach (var name in streams.JetStream.ListConsumerNamesAsync(streams.Stream, cancellationToken))
        {
            if (!name.StartsWith(ConsumerPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var replay = name.EndsWith(ReplaySuffix, StringComparison.Ordinal);
            var id = replay ? name[ConsumerPrefix.Length..^ReplaySuffix.Length] : name[ConsumerPrefix.Length..];
            if (!current.TryGetValue(id, out var target) || !target.Endpoint.Enabled)
            {
                if (!current.ContainsKey(id) && !IsEndpointId(id))
                {
                    continue;
                }

                states.Forget(id);
                await DeleteConsumerAsync(name, cancellationToken);
            }
            else if (replay && !_replays.ContainsKey(id))
            {
                var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _replays[id] = new Worker(Fingerprint(target), stop, RunReplayAsync(target, stop.Token));
            }
        }
    }

    // Only names this dispatcher made are deleted: wh_ and 32 lower-case hex characters.
    private static bool IsEndpointId(string id) =>
        id.Length == 35 && id.StartsWith("wh_", StringComparison.Ordinal) && !id.AsSpan(3).ContainsAnyExcept(s_hex);

    private async Task RunAsync(WebhookTarget target, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            var (epoch, ended) = epochs.Begin();
            using var consuming = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ended);
            try
            {
                var consumer = await EnsureConsumerAsync(target.Endpoint, cancellationToken);
                var messages = consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = Math.Max(16, 2 * _options.ParallelAttempts) },
                    cancellationToken: consuming.Token);
                if (!await HandleAllAsync(target, messages, epoch, replay: false, cancellationToken))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (ended.IsCancellationRequested)
            {
                // The delivery connection was lost: consume afresh (NATS.Net may also end the consume quietly).
            }
            catch (Exception exception) when (exception is NatsException or NatsJSException or Grpc.Core.RpcException or HttpRequestException)
            {
                LogWorkerFailed(logger, exception, target.Endpoint.Id);
                if (!await PauseAsync(cancellationToken))
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// A replay: the replay consumer's events up to its bound go through <see cref="HandleAsync"/>; later ones are
    /// acknowledged untouched (the endpoint's own consumer delivers them). Pulls expire every
    /// <see cref="WebhookDeliveryOptions.ReplayCheckInterval"/>, so completion is noticed while only retries are waiting.
    /// </summary>
    private async Task RunReplayAsync(WebhookTarget target, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var name = ReplayConsumerOf(target.Endpoint.Id);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                INatsJSConsumer consumer;
                try
                {
                    consumer = await streams.Delivery.GetConsumerAsync(streams.Stream, name, cancellationToken);
                }
                catch (NatsJSApiException exception) when (exception.Error.Code == 404)
                {
                    return;
                }

                if (ReplayEndOf(consumer.Info.Config.Description) is not { } end)
                {
                    // Not a replay this dispatcher started (its bound is unreadable): nothing of it is delivered.
                    await DeleteConsumerAsync(name, cancellationToken);
                    return;
                }

                while (!await ReplayDoneAsync(consumer, end, cancellationToken))
                {
                    var (epoch, ended) = epochs.Begin();
                    using var fetching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ended);
                    var messages = consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = Math.Max(16, 2 * _options.ParallelAttempts), Expires = _options.ReplayCheckInterval },
                        cancellationToken: fetching.Token);
                    try
                    {
                        if (!await HandleAllAsync(target, messages, epoch, replay: true, cancellationToken, end))
                        {
                            return;
                        }
                    }
                    catch (OperationCanceledException) when (ended.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        // The delivery connection was lost: fetch afresh.
                    }
                }

                await DeleteConsumerAsync(name, cancellationToken);
                LogReplayDone(logger, target.Endpoint.Id, end);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NatsException or NatsJSException or Grpc.Core.RpcException or HttpRequestException)
            {
                LogWorkerFailed(logger, exception, target.Endpoint.Id);
                if (!await PauseAsync(cancellationToken))
                {
                    return;
                }
            }
        }
    }

    /// <summary>The replay description of a replay consumer bounded by <paramref name="lastSequence"/>.</summary>
    public static string ReplayDescription(ulong lastSequence, DateTimeOffset since, string actor) =>
        string.Create(CultureInfo.InvariantCulture, $"{ReplayDescriptionPrefix}{lastSequence} (since {since:O}, by {actor})");

    /// <summary>The bound in a replay consumer's description, or null when it has none.</summary>
    public static ulong? ReplayEndOf(string? description)
    {
        if (description is null || !description.StartsWith(ReplayDescriptionPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = description.AsSpan(ReplayDescriptionPrefix.Length);
        var digits = rest.IndexOfAnyExceptInRange('0', '9');
        return ulong.TryParse(digits < 0 ? rest : rest[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var end) && end > 0 ? end : null;
    }

    // Every event up to the bound settled: none awaits an acknowledgement (a retry waiting out its delay counts as
    // awaiting), and none up to the bound is left to deliver.
    private static async Task<bool> ReplayDoneAsync(INatsJSConsumer consumer, ulong end, CancellationToken cancellationToken)
    {
        await consumer.RefreshAsync(cancellationToken);
        var info = consumer.Info;
        return info.NumAckPending == 0 && (info.NumPending == 0 || info.Delivered.StreamSeq >= end);
    }

    // A short pause before a failed worker tries again; false when stopping.
    private async Task<bool> PauseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Handles <paramref name="messages"/> with up to <see cref="WebhookDeliveryOptions.ParallelAttempts"/> attempts at a
    /// time. False when an attempt disabled the endpoint (the attempts still running are stopped and settle by redelivery);
    /// a NATS, registry or HTTP failure of one attempt stops the others and is rethrown, so the worker pauses and resumes
    /// as before. A replay's events after <paramref name="replayEnd"/> are acknowledged untouched. Messages are settled
    /// only while <paramref name="epoch"/> is current.
    /// </summary>
    private async Task<bool> HandleAllAsync(WebhookTarget target, IAsyncEnumerable<INatsJSMsg<byte[]>> messages, long epoch, bool replay,
        CancellationToken cancellationToken, ulong replayEnd = ulong.MaxValue)
    {
        using var disabled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = _options.ParallelAttempts, CancellationToken = disabled.Token },
                async (message, token) =>
                {
                    if (message.Metadata is { } meta && meta.Sequence.Stream > replayEnd)
                    {
                        if (InEpoch(epoch))
                        {
                            await message.AckAsync(cancellationToken: token);
                        }
                    }
                    else if (!await HandleAsync(target, message, epoch, replay, token))
                    {
                        await disabled.CancelAsync();
                    }
                });
            return true;
        }
        catch (OperationCanceledException) when (disabled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>One message: an attempt, then ack, nak with the next wait, or terminate. False when the endpoint was disabled.</summary>
    private async Task<bool> HandleAsync(WebhookTarget target, INatsJSMsg<byte[]> message, long epoch, bool replay, CancellationToken cancellationToken)
    {
        CanonicalEvent evt;
        try
        {
            evt = CanonicalEvent.Parser.ParseFrom(message.Data ?? []);
        }
        catch (InvalidProtocolBufferException exception)
        {
            LogUnreadable(logger, exception, target.Endpoint.Id);
            await SettleAsync(epoch, message, static (m, t) => m.AckTerminateAsync(cancellationToken: t), cancellationToken);
            return true;
        }

        // A dead letter an administrator replayed is for its one subscriber plugin (Control/DeadLetterStore.cs): the
        // endpoints had the event when it was first stored.
        if (message.Headers is { } headers && headers.ContainsKey(Control.DeadLetterStore.ReplayForHeader))
        {
            await SettleAsync(epoch, message, static (m, t) => m.AckAsync(cancellationToken: t), cancellationToken);
            return true;
        }

        // The consumer filters by subject, but nats-server before 2.10 ignores a consumer's filter_subjects and hands it the
        // whole stream: the endpoint's own filter decides, on every server.
        if (target.Endpoint.EventTypes.Count > 0 && !target.Endpoint.EventTypes.Contains(evt.Type))
        {
            await SettleAsync(epoch, message, static (m, t) => m.AckAsync(cancellationToken: t), cancellationToken);
            return true;
        }

        var attempt = (int)(message.Metadata?.NumDelivered ?? 1);
        var schedule = _options.Attempts();
        if (attempt > schedule.Count)
        {
            // Its last scheduled attempt was made but never settled (Core.Events stopped mid-attempt): the schedule is over.
            await SettleAsync(epoch, message, static (m, t) => m.AckTerminateAsync(cancellationToken: t), cancellationToken);
            return true;
        }

        if (!deliverer.CanAudit)
        {
            await SettleAsync(epoch, message, static (m, t) => m.NakAsync(new AckOpts { NakDelay = TimeSpan.FromSeconds(1) }, t), cancellationToken);
            return true;
        }

        var result = await deliverer.AttemptAsync(target, evt, attempt, message.Metadata?.Sequence.Stream ?? 0, cancellationToken, replay);
        var step = WebhookSchedule.After(attempt, result.Status, result.RetryAfter, _options, Random.Shared.NextDouble());
        // The endpoint as last read (failing_since may have changed since this worker started).
        var endpoint = targets.Current.TryGetValue(target.Endpoint.Id, out var latest) ? latest.Endpoint : target.Endpoint;
        switch (step.Next)
        {
            case WebhookNext.Delivered:
                await SettleAsync(epoch, message, static (m, t) => m.AckAsync(cancellationToken: t), cancellationToken);
                await states.SucceededAsync(endpoint, cancellationToken);
                return true;
            case WebhookNext.Retry:
                await SettleAsync(epoch, message, (m, t) => m.NakAsync(new AckOpts { NakDelay = step.Delay }, t), cancellationToken);
                return await states.FailedAsync(endpoint, cancellationToken);
            case WebhookNext.GiveUp:
                await SettleAsync(epoch, message, static (m, t) => m.AckTerminateAsync(cancellationToken: t), cancellationToken);
                return await states.FailedAsync(endpoint, cancellationToken);
            default:
                await SettleAsync(epoch, message, static (m, t) => m.AckTerminateAsync(cancellationToken: t), cancellationToken);
                await states.DisableAsync(endpoint, "gone", $"410 Gone from {endpoint.Url}");
                return false;
        }
    }

    // Settles a message only in the epoch it arrived in; otherwise JetStream delivers it again after the ack wait.
    private ValueTask SettleAsync(long epoch, INatsJSMsg<byte[]> message, Func<INatsJSMsg<byte[]>, CancellationToken, ValueTask> settle,
        CancellationToken cancellationToken)
    {
        if (InEpoch(epoch))
        {
            return settle(message, cancellationToken);
        }

        return ValueTask.CompletedTask;
    }

    private bool InEpoch(long epoch)
    {
        if (epoch == epochs.Current)
        {
            return true;
        }

        Interlocked.Increment(ref _stale);
        return false;
    }

    private async Task<INatsJSConsumer> EnsureConsumerAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        await streams.EnsureAsync(cancellationToken);
        return await streams.Delivery.CreateOrUpdateConsumerAsync(streams.Stream, new ConsumerConfig(ConsumerOf(endpoint.Id))
        {
            FilterSubjects = [.. FilterSubjectsOf(endpoint)],
            DeliverPolicy = ConsumerConfigDeliverPolicy.New,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            // Longer than one attempt: an attempt in progress is never redelivered under it.
            AckWait = _options.RequestTimeout + _options.ConnectTimeout + TimeSpan.FromSeconds(30),
            MaxAckPending = _options.MaxInFlight,
        }, cancellationToken);
    }

    private async Task DeleteConsumerAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await streams.JetStream.DeleteConsumerAsync(streams.Stream, name, cancellationToken);
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

    [LoggerMessage(EventId = 9766, Level = LogLevel.Information, Message = "The replay of webhook endpoint {EndpointId} is complete (up to stream sequence {LastSequence})")]
    private static partial void LogReplayDone(ILogger logger, string endpointId, ulong lastSequence);

    [LoggerMessage(EventId = 9764, Level = LogLevel.Error, Message = "An unreadable message was terminated for webhook endpoint {EndpointId}")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string endpointId);
}
