using System.Collections.Concurrent;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Events.Policy;
using Fabrix.Core.Lanes.Audit;
using Fabrix.Core.Lanes.Policy;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Delivery.Push;

/// <summary>
/// Runs HTTP push delivery (issue 11 section 3): for every push target (<see cref="PushTargetSource"/>) that the
/// snapshot shows active with a registered address, one <see cref="SubscriptionPump"/> per subscribed type over that
/// (plugin, type)'s durable consumer, feeding a <see cref="PushSink"/> that POSTs to the address + push path. The pump
/// authorizes every delivery against the current snapshot (the stream path's rule, <c>CanonicalPolicy.DecideDelivery</c>)
/// and audits a refusal. A refused pump is not started again until a snapshot change names the plugin or the switches
/// with a later revision than the one the refusal was decided against (<see cref="PushRefusals"/>): the change that caused
/// the refusal, whose pass may well run after it, does not start the pump to refuse the same delivery again, and a later
/// change (a trait restored) starts it whichever of the two reaches the dispatcher first.
/// A pump whose plugin is no longer active, whose address, path or secret changed, or that stopped, is replaced on the
/// next pass. Passes run on every snapshot change, on a refusal that a later change already lifted, and every
/// <see cref="PushOptions.RefreshInterval"/>, each reading the targets from the registry first.
/// </summary>
internal sealed partial class PushDispatcher(
    PolicySnapshotClient snapshots,
    PushTargetSource targets,
    SubscriptionConsumers consumers,
    SubscriptionPump pump,
    DeadLetters deadLetters,
    DeliveryEpoch epochs,
    PushSender sender,
    DecisionAuditWriter audit,
    IOptions<PushOptions> options,
    IOptions<DeliveryOptions> delivery,
    TimeProvider timeProvider,
    ILogger<PushDispatcher> logger) : BackgroundService
{
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly PushRefusals _refusals = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentDictionary<string, int> _starts = new(StringComparer.Ordinal);
    private long _passes;

    /// <summary>Passes completed since start (what a test waits on to know a pass ran after something it did).</summary>
    internal long Passes => Interlocked.Read(ref _passes);

    /// <summary>How many times a pump for (<paramref name="pluginId"/>, <paramref name="type"/>) was started.</summary>
    internal int Starts(string pluginId, CanonicalEventType type) => _starts.GetValueOrDefault(Key(pluginId, type));

    /// <summary>True while a refusal keeps the pump for (<paramref name="pluginId"/>, <paramref name="type"/>) stopped.</summary>
    internal bool IsRefused(string pluginId, CanonicalEventType type) => _refusals.IsRefused(pluginId, type);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void OnChanged(object? sender, PolicyChange change)
        {
            _refusals.Changed(change);
            _wake.Release();
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
                    Interlocked.Increment(ref _passes);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogPassFailed(logger, exception);
                }

                using var timer = new CancellationTokenSource(options.Value.RefreshInterval, timeProvider);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
                try
                {
                    await _wake.WaitAsync(wait.Token);
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
        var view = snapshots.Current;
        var snapshot = view.Snapshot;
        if (snapshot is not null)
        {
            _refusals.Retain(snapshot);
            foreach (var key in _starts.Keys.Where(key => snapshot.Find(key[..key.IndexOf('\n', StringComparison.Ordinal)]) is null))
            {
                _starts.TryRemove(key, out _);
            }
        }

        var wanted = Wanted(snapshot);
        foreach (var (key, running) in _running.ToList())
        {
            if (running.Task.IsCompleted || !wanted.TryGetValue(key, out var want) || want != running.Subscription)
            {
                running.Stop.Cancel();
                _running.Remove(key);
                _ = running.Task.ContinueWith(static (_, stop) => ((CancellationTokenSource)stop!).Dispose(), running.Stop, TaskScheduler.Default);
            }
        }

        // Without a usable snapshot (stale: the registry is unreachable) a new pump would only refuse its first delivery
        // (LANE_NO_POLICY): none is started until a pass finds the snapshot usable again (every RefreshInterval).
        foreach (var (key, want) in wanted)
        {
            if (!_running.ContainsKey(key) && view.IsUsable)
            {
                var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                _starts.AddOrUpdate(key, 1, static (_, starts) => starts + 1);
                _running[key] = new Running(want, stop, RunAsync(want, stop.Token));
            }
        }
    }

    /// <summary>The (plugin, type) pumps that should run now, keyed <c>plugin \n Type</c>.</summary>
    private Dictionary<string, PushSubscription> Wanted(PolicySnapshot? snapshot)
    {
        var wanted = new Dictionary<string, PushSubscription>(StringComparer.Ordinal);
        if (snapshot is null)
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
                if (CanonicalEventTypes.Find(name) is { } type && !_refusals.IsRefused(plugin.Id, type))
                {
                    wanted[Key(plugin.Id, type)] = new PushSubscription(plugin.Id, type, url, secrets);
                }
            }
        }

        return wanted;
    }

    private async Task RunAsync(PushSubscription subscription, CancellationToken cancellationToken)
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
            var pending = new PendingDeliveries(subscription.PluginId, deadLetters, delivery.Value, epochs);
            await using var sink = new PushSink(subscription.PluginId, subscription.Type, subscription.Url, keys, sender, pending, audit,
                options.Value.MaxConcurrency, () => CanonicalPolicy.DecideDelivery(snapshots.Current, subscription.PluginId, subscription.Type), logger);
            if (await pump.RunAsync(subscription.PluginId, subscription.Type, consumer, sink, pending, cancellationToken) is { } refused)
            {
                LogRefused(logger, subscription.PluginId, subscription.Type.Name, refused.Refusal.Code);
                if (!_refusals.Refuse(subscription.PluginId, subscription.Type, refused.Revision, refused.Refusal.Code))
                {
                    // A change after the refusing decision (the trait restored) arrived first and its pass may be over:
                    // start a pass now rather than wait for the refresh interval.
                    _wake.Release();
                }
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

    [LoggerMessage(EventId = 9782, Level = LogLevel.Information, Message = "Push delivery of {Type} to {Subscriber} stopped: {Code}; it resumes when a later policy revision names the plugin")]
    private static partial void LogRefused(ILogger logger, string subscriber, string type, string code);

    [LoggerMessage(EventId = 9783, Level = LogLevel.Warning, Message = "Push delivery of {Type} to {Subscriber} failed; it starts again on the next pass")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception, string subscriber, string type);

    [LoggerMessage(EventId = 9784, Level = LogLevel.Error, Message = "The push secret of {Subscriber} from the registry is unreadable; nothing is pushed to it")]
    private static partial void LogNoSecret(ILogger logger, string subscriber);

    [LoggerMessage(EventId = 9785, Level = LogLevel.Warning, Message = "A push delivery pass failed; retrying on the next")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
