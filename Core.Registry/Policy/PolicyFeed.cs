using System.Collections.Concurrent;
using System.Data;
using System.Threading.Channels;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.BackgroundWork;
using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Persistence;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// This replica's feed of policy deltas to its WatchPolicy streams. Woken by a commit on this replica
/// (<see cref="PolicyRevisions"/>), by <c>fabrix.policy.changed</c> on NATS (a commit on any replica, relayed by the
/// outbox) and every <see cref="PolicyOptions.HeartbeatInterval"/> (a lost message); each time it reads the changes
/// since the last revision it pushed from PostgreSQL, in one repeatable-read transaction, and pushes them as one delta
/// to every watcher. Every replica reads the same database, so every replica pushes the same revisions. Each tick also
/// sends every watcher a heartbeat. A watcher that falls <see cref="WatcherCapacity"/> messages behind is cut off.
/// </summary>
internal sealed partial class PolicyFeed(
    RegistryDatabase database,
    INatsConnection nats,
    TimeProvider timeProvider,
    IOptions<PolicyOptions> options,
    BackgroundWorkHealth health,
    ILogger<PolicyFeed> logger) : BackgroundService
{
    public const string WorkName = "policy-feed";
    public const int WatcherCapacity = 256;
    private static readonly TimeSpan ResubscribeDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstSubscribeWait = TimeSpan.FromSeconds(5);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly ConcurrentDictionary<long, Channel<PolicyMessage>> _watchers = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private long _revision;
    private int _heartbeatDue;

    /// <summary>The last revision this replica pushed (0 before its first read).</summary>
    public long Revision => Volatile.Read(ref _revision);

    public int WatcherCount => _watchers.Count;

    /// <summary>Completes once this replica first hears <c>fabrix.policy.changed</c> (its subscription is registered at the server).</summary>
    public Task Listening => _subscribed.Task;

    /// <summary>Reads the database now instead of at the next tick.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    public PolicyWatch Subscribe()
    {
        var id = Interlocked.Increment(ref _nextId);
        var channel = Channel.CreateBounded<PolicyMessage>(new BoundedChannelOptions(WatcherCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _watchers[id] = channel;
        return new PolicyWatch(channel.Reader, () =>
        {
            if (_watchers.TryRemove(id, out var removed))
            {
                removed.Writer.TryComplete();
            }
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = ListenAsync(_subscribed, stoppingToken);
        var ticking = TickAsync(stoppingToken);
        // Subscribe before the first read, so no change committed after that read goes unheard; but never wait long on
        // NATS: the periodic read covers its absence.
        try
        {
            await _subscribed.Task.WaitAsync(FirstSubscribeWait, timeProvider, stoppingToken);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        Wake();
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                await CatchUpSafelyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(listening, ticking);
    }

    private async Task ListenAsync(TaskCompletionSource subscribed, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var subscription = await nats.SubscribeCoreAsync<byte[]>(EventSubjects.PolicyChanged, cancellationToken: stoppingToken);
                // The PONG proves the server registered the subscription: from here on every commit's message reaches it.
                await nats.PingAsync(stoppingToken);
                subscribed.TrySetResult();
                await foreach (var _ in subscription.Msgs.ReadAllAsync(stoppingToken))
                {
                    Wake();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NatsException or TimeoutException or OperationCanceledException)
            {
                // The periodic read still catches every change while NATS is away; subscribe again shortly.
                LogSubscribeFailed(logger, exception);
                try
                {
                    await Task.Delay(ResubscribeDelay, timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Volatile.Write(ref _heartbeatDue, 1);
                Wake();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CatchUpSafelyAsync(CancellationToken stoppingToken)
    {
        try
        {
            await CatchUpAsync(stoppingToken);
            health.Succeeded(WorkName);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogCatchUpFailed(logger, exception);
            health.Failed(WorkName, exception);
            // No heartbeat while the database is unreadable: the lanes' snapshots age, as they should.
            return;
        }

        if (Interlocked.Exchange(ref _heartbeatDue, 0) == 1)
        {
            Push(new PolicyMessage { Heartbeat = new PolicyHeartbeat { Revision = Revision, At = Timestamp.FromDateTimeOffset(timeProvider.GetUtcNow()) } });
        }
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var revision = Revision;
        if (revision == 0)
        {
            // First read: watchers start from their own snapshot, and fill any gap to the first pushed delta themselves.
            Volatile.Write(ref _revision, (await PolicyStore.ReadRevisionAsync(transaction, cancellationToken)).Revision);
            await transaction.CommitAsync(cancellationToken);
            return;
        }

        var (servable, delta) = await PolicyStore.ReadDeltaAsync(transaction, revision, cancellationToken);
        var current = servable ? delta?.Revision ?? revision : (await PolicyStore.ReadRevisionAsync(transaction, cancellationToken)).Revision;
        await transaction.CommitAsync(cancellationToken);
        if (!servable)
        {
            // The database is not the one this replica read before (its revision went back) or it fell very far behind:
            // every watcher must start over from a full snapshot.
            LogResynchronized(logger, revision, current);
            Volatile.Write(ref _revision, current);
            foreach (var id in _watchers.Keys)
            {
                if (_watchers.TryRemove(id, out var channel))
                {
                    channel.Writer.TryComplete(new PolicyWatcherFellBehindException());
                }
            }

            return;
        }

        if (delta is not null)
        {
            Push(new PolicyMessage { Delta = delta });
            Volatile.Write(ref _revision, delta.Revision);
            LogPushed(logger, delta.BaseRevision, delta.Revision, _watchers.Count);
        }
    }

    private void Push(PolicyMessage message)
    {
        foreach (var (id, channel) in _watchers)
        {
            if (!channel.Writer.TryWrite(message) && _watchers.TryRemove(id, out _))
            {
                channel.Writer.TryComplete(new PolicyWatcherFellBehindException());
            }
        }
    }

    [LoggerMessage(EventId = 1250, Level = LogLevel.Debug, Message = "Pushed policy revisions {From}..{To} to {Watchers} watchers")]
    private static partial void LogPushed(ILogger logger, long from, long to, int watchers);

    [LoggerMessage(EventId = 1251, Level = LogLevel.Warning, Message = "Reading policy changes failed; will retry")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1252, Level = LogLevel.Warning, Message = "Subscribing to policy change notifications failed; will retry")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1253, Level = LogLevel.Warning, Message = "Policy revision {Held} cannot be continued (database at {Current}); every watcher starts over")]
    private static partial void LogResynchronized(ILogger logger, long held, long current);
}

/// <summary>One WatchPolicy stream's view of the feed; dispose to stop receiving.</summary>
internal sealed class PolicyWatch(ChannelReader<PolicyMessage> reader, Action unsubscribe) : IDisposable
{
    public ChannelReader<PolicyMessage> Reader => reader;

    public void Dispose() => unsubscribe();
}

/// <summary>The watcher lost its place (it read too slowly, or the database changed under it): it must watch again.</summary>
internal sealed class PolicyWatcherFellBehindException : Exception
{
    public PolicyWatcherFellBehindException()
        : base($"The policy watcher fell more than {PolicyFeed.WatcherCapacity} messages behind or lost its place; watch again from the last revision applied.")
    {
    }

    public PolicyWatcherFellBehindException(string message)
        : base(message)
    {
    }

    public PolicyWatcherFellBehindException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
