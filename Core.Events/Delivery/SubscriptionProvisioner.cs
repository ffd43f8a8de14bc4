using Fabrix.Contracts.Canonical;
using Fabrix.Core.Lanes.Policy;

namespace Fabrix.Core.Events.Delivery;

/// <summary>
/// Creates the durable consumer of every (active plugin, subscribed type) as soon as the snapshot shows it, and again
/// on every change naming the plugin, so events are kept for a subscriber from the moment it is entitled, whether it is
/// connected or not. A failed attempt is logged and retried on the next pass (every <see cref="Interval"/>).
/// </summary>
internal sealed partial class SubscriptionProvisioner(PolicySnapshotClient snapshots, SubscriptionConsumers consumers, TimeProvider timeProvider,
    ILogger<SubscriptionProvisioner> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly HashSet<string> _provisioned = new(StringComparer.Ordinal);
    private long _revision = -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = new SemaphoreSlim(0);
        void OnChanged(object? sender, PolicyChange change) => changed.Release();
        snapshots.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await ProvisionAsync(stoppingToken);
                using var timer = new CancellationTokenSource(Interval, timeProvider);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
                try
                {
                    await changed.WaitAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            snapshots.Changed -= OnChanged;
        }
    }

    private async Task ProvisionAsync(CancellationToken cancellationToken)
    {
        if (snapshots.Current.Snapshot is not { } snapshot || snapshot.Revision == _revision)
        {
            return;
        }

        var complete = true;
        foreach (var plugin in snapshot.Plugins.Values.Where(p => p.IsActive))
        {
            foreach (var name in plugin.EventSubscribes)
            {
                if (CanonicalEventTypes.Find(name) is not { } type || _provisioned.Contains(SubscriptionConsumers.NameOf(plugin.Id, type)))
                {
                    continue;
                }

                try
                {
                    await consumers.EnsureAsync(plugin.Id, type, cancellationToken);
                    _provisioned.Add(SubscriptionConsumers.NameOf(plugin.Id, type));
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    complete = false;
                    LogProvisionFailed(logger, exception, plugin.Id, name);
                }
            }
        }

        if (complete)
        {
            _revision = snapshot.Revision;
        }
    }

    [LoggerMessage(EventId = 9720, Level = LogLevel.Warning, Message = "The consumer of {Subscriber} for {Type} could not be created; retrying")]
    private static partial void LogProvisionFailed(ILogger logger, Exception exception, string subscriber, string type);
}
