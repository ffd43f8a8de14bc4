using NATS.Client.Core;

namespace Fabrix.Core.Events.Delivery;

/// <summary>
/// The delivery connection's epochs: a new one begins each time the connection is lost. A delivery is settled (ack,
/// nack, dead letter) only in the epoch it arrived in; one that arrived before a disconnect is left for JetStream to
/// deliver again after the ack wait, and the subscriber sees it twice (it dedupes by event id, as at-least-once asks).
/// </summary>
/// <remarks>
/// Why (found with <c>benchmarks/run.sh events-faults</c>, 2026-12-07): after a <c>kill -9</c> of nats-server, the
/// restarted server restores each consumer's state as it last wrote it, which can be behind what the old server had
/// delivered. An acknowledgement sent afterwards for a message the old server delivered names a stream sequence beyond
/// the restored consumer's next one, and the server moves the consumer past it: every message in between that the
/// subscriber had not yet received is skipped for good. One of the two subscribers lost 4 to 11 of 10,000-28,000 events
/// in some runs, while its consumer reported everything acknowledged. Settling only within an epoch, and consuming
/// afresh when an epoch ends (<see cref="SubscriptionPump"/>), keeps old acknowledgements away from a server that did not
/// deliver those messages.
/// </remarks>
internal sealed class DeliveryEpoch : IDisposable
{
    private readonly INatsConnection _connection;
    private readonly Lock _lock = new();
    private CancellationTokenSource _ending = new();
    private long _current;

    public DeliveryEpoch([FromKeyedServices(LaneMessagingExtensions.DeliveryConnectionKey)] INatsConnection connection)
    {
        _connection = connection;
        _connection.ConnectionDisconnected += OnDisconnectedAsync;
    }

    /// <summary>The current epoch.</summary>
    public long Current => Interlocked.Read(ref _current);

    /// <summary>The current epoch, and a token cancelled when it ends (the connection is lost).</summary>
    public (long Epoch, CancellationToken Ended) Begin()
    {
        lock (_lock)
        {
            return (_current, _ending.Token);
        }
    }

    public void Dispose() => _connection.ConnectionDisconnected -= OnDisconnectedAsync;

    /// <summary>Ends the epoch: the connection was lost (tests call it directly).</summary>
    internal void End()
    {
        CancellationTokenSource ended;
        lock (_lock)
        {
            ended = _ending;
            _ending = new CancellationTokenSource();
            Interlocked.Increment(ref _current);
        }

        // Not disposed: a pump may still be linking to its token.
        ended.Cancel();
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        End();
        return ValueTask.CompletedTask;
    }
}
