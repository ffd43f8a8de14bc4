using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Fabrix.Core.Registry.Persistence;
using NpgsqlTypes;

namespace Fabrix.Core.Registry.Outbox;

/// <summary>
/// Transactional outbox: an event is a row written in the same transaction as the change it announces, so it exists
/// exactly when the change does. <see cref="OutboxRelay"/> publishes it to NATS after the commit.
/// </summary>
internal sealed class EventOutbox(OutboxSignal signal)
{
    public async Task EnqueueAsync<T>(RegistryTransaction transaction, string subject, T message, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("insert into event_outbox (subject, payload, created_at) values (@subject, @payload, @now)");
        command.Parameters.AddWithValue("subject", subject);
        command.Parameters.AddWithValue("payload", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(message, typeInfo));
        command.Parameters.AddWithValue("now", transaction.Now);
        await command.ExecuteNonQueryAsync(cancellationToken);
        transaction.AfterCommit(signal.Notify);
    }
}

/// <summary>Wakes the relay right after a commit instead of waiting for its next poll.</summary>
internal sealed class OutboxSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public ChannelReader<bool> Reader => _channel.Reader;

    public void Notify() => _channel.Writer.TryWrite(true);
}
