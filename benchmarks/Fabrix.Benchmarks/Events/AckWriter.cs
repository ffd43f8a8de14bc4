using System.Threading.Channels;
using Fabrix.Contracts.Events.V1;
using Grpc.Core;

namespace Fabrix.Benchmarks.Events;

/// <summary>
/// Writes a benchmark subscriber's acks on its <c>Subscribe</c> stream from a task of its own, in order, so the loop that
/// reads deliveries (and timestamps their arrival) never waits for an ack's write: the latency measured is Core.Events',
/// not the time this process takes to flush its previous ack.
/// </summary>
internal sealed class AckWriter : IAsyncDisposable
{
    private readonly Channel<string> _pending = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public AckWriter(IClientStreamWriter<SubscribeRequest> requests) => _writer = WriteAsync(requests);

    /// <summary>Queues the ack of <paramref name="eventId"/>.</summary>
    public void Ack(string eventId) => _pending.Writer.TryWrite(eventId);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteAsync(IClientStreamWriter<SubscribeRequest> requests)
    {
        try
        {
            await foreach (var eventId in _pending.Reader.ReadAllAsync())
            {
                await requests.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = eventId } }, CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is RpcException or InvalidOperationException or OperationCanceledException)
        {
            // The call ended (the run is over, or Core.Events ended the stream): unwritten acks are redelivered, not lost.
        }
    }
}
