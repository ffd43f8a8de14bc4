using System.Globalization;
using Fabrix.Contracts.Canonical;
using Fabrix.Core.Events.Refusals;
using Fabrix.Core.Lanes.Audit;

namespace Fabrix.Core.Events.Delivery.Push;

/// <summary>
/// The HTTP push sink of one (plugin, type) (issue 11 section 3): each delivery the <see cref="SubscriptionPump"/> hands
/// over (already authorized against the current snapshot) is POSTed by <see cref="PushSender"/>, at most
/// <see cref="PushOptions.MaxConcurrency"/> at once. A 2xx acknowledges it; any other status, no response or a timeout
/// nacks it through <see cref="PendingDeliveries"/>: redelivery with the delivery backoff, the dead-letter stream after
/// the last allowed delivery, exactly as on the stream. Each push is audited once its outcome is known (<c>deliver</c>,
/// attribute <c>mode</c> <c>push</c>, <c>status</c>, <c>duration_ms</c>; reason <c>EVENT_PUSH_FAILED</c> when it failed).
/// Disposing waits for the pushes under way (they end early when the pump's token is cancelled; an unsettled delivery
/// is redelivered by JetStream after the ack wait).
/// </summary>
internal sealed partial class PushSink(
    string subscriber,
    CanonicalEventType type,
    Uri url,
    IReadOnlyList<byte[]> keys,
    PushSender sender,
    PendingDeliveries pending,
    DecisionAuditWriter audit,
    int maxConcurrency,
    Func<EventsRefusal?> decide,
    ILogger logger) : IDeliverySink, IAsyncDisposable
{
    private readonly SemaphoreSlim _slots = new(maxConcurrency, maxConcurrency);

    public string Mode => "push";

    public bool AuditsOutcome => true;

    public async ValueTask SendAsync(Contracts.Events.V1.Delivery delivery, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        // The pump authorized the delivery before the wait for a slot, which lasts as long as the pushes ahead of it (up
        // to the request timeout each): decided again now, so a subscriber disabled, a trait dropped or the lane switched
        // off meanwhile receives nothing more (refused, audited, put back; the pump's next delivery ends it).
        if (decide() is { } refusal)
        {
            try
            {
                DeliveryAudit.Write(audit, subscriber, type, delivery.Event, (int)delivery.Attempt, Mode, refusal.Code);
                await pending.PutBackAsync(delivery.Event.Id, cancellationToken);
            }
            finally
            {
                _slots.Release();
            }

            return;
        }

        _ = PushAsync(delivery, cancellationToken);
    }

    private async Task PushAsync(Contracts.Events.V1.Delivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            var evt = delivery.Event;
            var attempt = (int)delivery.Attempt;
            var result = await sender.SendAsync(url, keys, evt, attempt, cancellationToken);
            DeliveryAudit.Write(audit, subscriber, type, evt, attempt, Mode, result.Succeeded ? string.Empty : RefusalCodes.EventPushFailed,
                new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["status"] = result.Status.ToString(CultureInfo.InvariantCulture),
                    ["duration_ms"] = result.Duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture),
                },
                result.Duration);
            if (result.Succeeded)
            {
                await pending.AckAsync(evt.Id, cancellationToken);
            }
            else
            {
                await pending.NackAsync(evt.Id, result.Status == 0 ? result.Problem : $"HTTP {result.Status}", cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The pump stopped: the delivery stays unsettled and JetStream redelivers it after the ack wait.
        }
        catch (Exception exception)
        {
            // Settling failed (JetStream unavailable): the delivery stays unsettled and is redelivered after the ack wait.
            LogSettleFailed(logger, exception, subscriber, type.Name);
        }
        finally
        {
            _slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < maxConcurrency; i++)
        {
            await _slots.WaitAsync();
        }

        _slots.Dispose();
    }

    [LoggerMessage(EventId = 9781, Level = LogLevel.Warning, Message = "A push to {Subscriber} of {Type} could not be settled; JetStream redelivers it after the ack wait")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string subscriber, string type);
}
