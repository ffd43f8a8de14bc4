using System.Collections.Concurrent;
using System.Threading.Channels;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.Core.Registry.Outbox;

/// <summary>
/// Fans committed plugin changes out to in-process watchers (the WatchPlugins stream), one bounded channel per
/// subscriber. A subscriber that falls <see cref="Capacity"/> changes behind is cut off rather than allowed to
/// block writers or silently miss a change; it watches again and gets a fresh snapshot.
/// </summary>
internal sealed class PluginChangeBroadcaster
{
    public const int Capacity = 1024;
    private readonly ConcurrentDictionary<long, Channel<PluginChange>> _subscribers = new();
    private long _nextId;

    public int SubscriberCount => _subscribers.Count;

    public PluginChangeSubscription Subscribe()
    {
        var id = Interlocked.Increment(ref _nextId);
        var channel = Channel.CreateBounded<PluginChange>(new BoundedChannelOptions(Capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _subscribers[id] = channel;
        return new PluginChangeSubscription(channel.Reader, () =>
        {
            if (_subscribers.TryRemove(id, out var removed))
            {
                removed.Writer.TryComplete();
            }
        });
    }

    public void Publish(PluginChange change)
    {
        foreach (var (id, channel) in _subscribers)
        {
            if (!channel.Writer.TryWrite(change) && _subscribers.TryRemove(id, out _))
            {
                channel.Writer.TryComplete(new SubscriberFellBehindException());
            }
        }
    }
}

/// <summary>One watcher's view of the change feed; dispose to stop receiving.</summary>
internal sealed class PluginChangeSubscription(ChannelReader<PluginChange> reader, Action unsubscribe) : IDisposable
{
    public ChannelReader<PluginChange> Reader => reader;

    public void Dispose() => unsubscribe();
}

/// <summary>The watcher did not read fast enough; it must watch again to resynchronize.</summary>
internal sealed class SubscriberFellBehindException : Exception
{
    public SubscriberFellBehindException()
        : base($"The watcher fell more than {PluginChangeBroadcaster.Capacity} changes behind; watch again for a fresh snapshot.")
    {
    }

    public SubscriberFellBehindException(string message)
        : base(message)
    {
    }

    public SubscriberFellBehindException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
