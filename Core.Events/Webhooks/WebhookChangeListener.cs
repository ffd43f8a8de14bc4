using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>
/// Listens on <see cref="WebhookDeliveryOptions.ChangedSubject"/>, where the registry announces every committed change
/// of the webhook endpoints (a core-only subject only the registry may publish to), and asks the
/// <see cref="WebhookDispatcher"/> to read the endpoints again at once. A notice says only "read again": what changed is
/// read from the registry, as always. A notice lost while this subscription is down is covered by the dispatcher's poll.
/// </summary>
internal sealed partial class WebhookChangeListener(
    INatsConnection nats,
    WebhookDispatcher dispatcher,
    IOptions<WebhookDeliveryOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookChangeListener> logger) : BackgroundService
{
    /// <summary>Whether the subscription is in place (notices published from now on are received).</summary>
    public bool Subscribed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var subscription = await nats.SubscribeCoreAsync<byte[]>(options.Value.ChangedSubject, cancellationToken: stoppingToken);
                // Changes committed before the subscription existed were announced to nobody: read once now.
                dispatcher.RequestRefresh();
                Subscribed = true;
                await foreach (var _ in subscription.Msgs.ReadAllAsync(stoppingToken))
                {
                    dispatcher.RequestRefresh();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NatsException exception)
            {
                Subscribed = false;
                LogFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 9767, Level = LogLevel.Warning, Message = "The webhook change subscription failed; subscribing again (the poll covers the gap)")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
