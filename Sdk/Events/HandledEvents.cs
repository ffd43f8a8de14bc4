namespace Fabrix.Plugins.Sdk.Events;

/// <summary>
/// The ids of events a handler completed in this process, at most <c>capacity</c> of them (the oldest is forgotten
/// first): a redelivery of a remembered id is acknowledged without calling the handler again. Bounded on purpose, so
/// this is a best effort against redeliveries (an ack lost in flight, a reconnect); the handler's own idempotent store
/// is the real guarantee (Sdk/README.md, "Receiving events").
/// </summary>
internal sealed class HandledEvents(int capacity)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    public bool Contains(string eventId)
    {
        lock (_lock)
        {
            return _ids.Contains(eventId);
        }
    }

    public void Add(string eventId)
    {
        lock (_lock)
        {
            if (!_ids.Add(eventId))
            {
                return;
            }

            _order.Enqueue(eventId);
            while (_order.Count > capacity)
            {
                _ids.Remove(_order.Dequeue());
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ids.Count;
            }
        }
    }
}
