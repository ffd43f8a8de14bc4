using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Lanes.Audit;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Delivery.Push;

/// <summary>
/// Runs HTTP push delivery (issue 11 section 3): for every push target (<see cref="PushTargetSource"/>) that the
/// snapshot shows active with a registered address, one <see cref="SubscriptionPump"/> per subscribed type over that
/// (plugin, type)'s durable consumer, feeding a <see cref="PushSink"/> that POSTs to the address + push path. The pump
/// authorizes every delivery against the current snapshot (the stream path's rule, <c>CanonicalPolicy.DecideDelivery</c>)
/// and audits a refusal; a refused pump is not started again until a snapshot change names the plugin (or the switches).
/// A pump whose plugin is no longer active, whose address, path or secret changed, or that stopped, is replaced on the
/// next pass. Passes run on every snapshot change naming a plugin and every <see cref="PushOptions.RefreshInterval"/>,
/// each reading the targets from the registry first.
/// </summary>
internal sealed partial class PushDispatcher(
    PolicySnapshotClient snapshots,
    PushTargetSource targets,
    SubscriptionConsumers consumers,
    SubscriptionPump pump,
    DeadLetters deadLetters,
    PushSender sender,
    DecisionAuditWriter audit,
    IOptions<PushOptions> options,
    IOptions<DeliveryOptions> delivery,
    TimeProvider timeProvider,
    ILogger<PushDispatcher> logger) : BackgroundService
{
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly Lock _changesLock = new();
    private readonly HashSet<string> _changedPlugins = new(StringComparer.Ordinal);
    private bool _switchesChanged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = new SemaphoreSlim(0);
        void OnChanged(object? sender, PolicyChange change)
        {
            lock (_changesLock)
            {
                _changedPlugins.UnionWith(change.ChangedPlugins);
                _switchesChanged |= change.SwitchesChanged;
            }

            changed.Release();
        }

        snapshots.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await targets.RefreshAsync(stoppingToken);
                    Reconcile(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogPassFailed(logger, exception);
                }

                using var timer = new CancellationTokenSource(options.Value.RefreshInterval, timeProvider);
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
            foreach (var running in _running.Values)
            {
                await running.Stop.CancelAsync();
            }

            await Task.WhenAll(_running.Values.Select(r => r.Task));
            foreach (var running in _running.Values)
            {
                running.Stop.Dispose();
            }
        }
    }

    private void Reconcile(CancellationToken stoppingToken)
    {
        HashSet<string> refused;
        lock (_changesLock)
        {
            _refused.RemoveWhere(key => _switchesChanged || _changedPlugins.Contains(key[..key.IndexOf('\n', StringComparison.Ordinal)]));
            _changedPlugins.Clear();
            _switchesChanged = false;
            refused = new HashSet<string>(_refused, StringComparer.Ordinal);
        }

        var wanted = Wanted(refused);
        foreach (var (key, running) in _running.ToList())
        {
            if (running.Task.IsCompleted || !wanted.TryGetValue(key, out var want) || want != running.Subscription)
            {
                running.Stop.Cancel();
                _running.Remove(key);
                _ = running.Task.ContinueWith(static (_, stop) => ((CancellationTokenSource)stop!).Dispose(), running.Stop, TaskScheduler.Default);
            }
        }

        foreach (var (key, want) in wanted)
        {
            if (!_running.ContainsKey(key))
            {
                var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                _running[key] = new Running(want, stop, RunAsync(key, want, stop.Token));
            }
        }
    }

    /// <summary>The (plugin, type) pumps that should run now, keyed <c>plugin \n Type</c>.</summary>
    private Dictionary<string, PushSubscription> Wanted(HashSet<string> refused)
    {
        var wanted = new Dictionary<string, PushSubscription>(StringComparer.Ordinal);
        if (snapshots.Current.Snapshot is not { } snapshot)
        {
            return wanted;
        }

        foreach (var target in targets.Current.Values)
        {
            if (snapshot.Find(target.PluginId) is not { IsActive: true, Address: { Length: > 0 } address } plugin
                || !Uri.TryCreate(address.TrimEnd('/') + target.PushPath, UriKind.Absolute, out var url)
                || url.Scheme is not ("http" or "https"))
            {
                continue;
            }

            var secrets = string.Join(' ', target.Secrets);
            foreach (var name in plugin.EventSubscribes)
            {
                if (CanonicalEventTypes.Find(name) is { } type && !refused.Contains(Key(plugin.Id, type)))
                {
                    wanted[Key(plugin.Id, type)] = new PushSubscription(plugin.Id, type, url, secrets);
                }
            }
        }

        return wanted;
    }

    private async Task RunAsync(string key, PushSubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            var keys = new List<byte[]>();
            foreach (var secret in subscription.Secrets.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (WebhookSecret.TryParse(secret, out var bytes))
                {
                    keys.Add(bytes);
                }
            }

            if (keys.Count == 0)
            {
                LogNoSecret(logger, subscription.PluginId);
                return;
            }

            var consumer = await consumers.EnsureAsync(subscription.PluginId, subscription.Type, cancellationToken);
            var pending = new PendingDeliveries(subscription.PluginId, deadLetters, delivery.Value);
            await using var sink = new PushSink(subscription.PluginId, subscription.Type, subscription.Url, keys, sender, pending, audit,
                options.Value.MaxConcurrency, logger);
            if (await pump.RunAsync(subscription.PluginId, subscription.Type, consumer, sink, pending, cancellationToken) is { } refusal)
            {
                lock (_changesLock)
                {
                    _refused.Add(key);
                }

                LogRefused(logger, subscription.PluginId, subscription.Type.Name, refusal.Code);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            LogPumpFailed(logger, exception, subscription.PluginId, subscription.Type.Name);
        }
    }

    private static string Key(string pluginId, CanonicalEventType type) => pluginId + "\n" + type.Name;

    /// <summary>What one pump pushes: a change of any part replaces the pump.</summary>
    private sealed record PushSubscription(string PluginId, CanonicalEventType Type, Uri Url, string Secrets);

    private sealed record Running(PushSubscription Subscription, CancellationTokenSource Stop, Task Task);

    [LoggerMessage(EventId = 9782, Level = LogLevel.Information, Message = "Push delivery of {Type} to {Subscriber} stopped: {Code}; it resumes when the policy names the plugin again")]
    private static partial void LogRefused(ILogger logger, string subscriber, string type, string code);

    [LoggerMessage(EventId = 9783, Level = LogLevel.Warning, Message = "Push delivery of {Type} to {Subscriber} failed; it starts again on the next pass")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception, string subscriber, string type);

    [LoggerMessage(EventId = 9784, Level = LogLevel.Error, Message = "The push secret of {Subscriber} from the registry is unreadable; nothing is pushed to it")]
    private static partial void LogNoSecret(ILogger logger, string subscriber);

    [LoggerMessage(EventId = 9785, Level = LogLevel.Warning, Message = "A push delivery pass failed; retrying on the next")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
