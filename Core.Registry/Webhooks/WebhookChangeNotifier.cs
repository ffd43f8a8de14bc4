using System.Text;
using System.Threading.Channels;
using Fabrix.Core.Registry.Persistence;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Webhooks;

/// <summary>
/// Tells Core.Events that the webhook endpoints changed (added, removed, rotated, enabled, disabled, or disabled by a
/// delivery report), so it reads them again at once instead of at its next poll. The notice is published on
/// <see cref="WebhookOptions.ChangedSubject"/>, a core-only control subject, after the change's transaction commits
/// (never for a rollback), with the endpoint id as its body; it carries nothing Core.Events trusts beyond "read again".
/// Publishing is off the request path (a bounded queue drained here); a notice that cannot be published is logged and
/// dropped: Core.Events' poll (<c>Fabrix:Events:Webhooks:RefreshInterval</c>) is the safety net.
/// </summary>
internal sealed partial class WebhookChangeNotifier(INatsConnection nats, IOptions<WebhookOptions> options, ILogger<WebhookChangeNotifier> logger) : BackgroundService
{
    // Notices only say "read again": when many changes queue up, dropping the oldest loses nothing.
    private readonly Channel<string> _changes = Channel.CreateBounded<string>(new BoundedChannelOptions(256)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    /// <summary>Publishes a notice for <paramref name="endpointId"/> once <paramref name="transaction"/> commits.</summary>
    public void AfterCommit(RegistryTransaction transaction, string endpointId) => transaction.AfterCommit(() => _changes.Writer.TryWrite(endpointId));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var endpointId in _changes.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await nats.PublishAsync(options.Value.ChangedSubject, Encoding.UTF8.GetBytes(endpointId), cancellationToken: stoppingToken);
                }
                catch (NatsException exception)
                {
                    LogNotifyFailed(logger, exception, endpointId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1950, Level = LogLevel.Warning,
        Message = "Could not notify Core.Events that webhook endpoint {EndpointId} changed; it reads the endpoints again at its next poll")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string endpointId);
}
