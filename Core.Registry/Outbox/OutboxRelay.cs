using System.Text;
using Fabrix.Core.Registry.BackgroundWork;
using Fabrix.Core.Registry.Persistence;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Outbox;

/// <summary>
/// Publishes outbox rows to NATS in id order and marks them sent. Runs when a commit signals it and on a periodic
/// timer (rows left by a crash or an unreachable NATS). At least once: a row is marked sent only after a PING
/// round-trip proves the server received everything before it; a crash in between publishes it again, with the same
/// <c>Nats-Msg-Id</c> header (the outbox id) for de-duplication. Rows are claimed with SKIP LOCKED, so several
/// instances may relay at once.
/// </summary>
internal sealed partial class OutboxRelay(
    RegistryDatabase database,
    INatsConnection nats,
    OutboxSignal signal,
    TimeProvider timeProvider,
    IOptions<OutboxOptions> options,
    BackgroundWorkHealth health,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    public const string WorkName = "outbox-relay";
    private const int BatchSize = 100;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.OutboxPollInterval, timeProvider);
        var ticks = TickAsync(timer, stoppingToken);
        signal.Notify();
        try
        {
            while (await signal.Reader.WaitToReadAsync(stoppingToken))
            {
                signal.Reader.TryRead(out _);
                await RelaySafelyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await ticks;
    }

    /// <summary>Publishes every pending row; returns how many were published.</summary>
    public async Task<int> RelayPendingAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var published = await RelayBatchAsync(cancellationToken);
            total += published;
            if (published < BatchSize)
            {
                return total;
            }
        }
    }

    private async Task TickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                signal.Notify();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RelaySafelyAsync(CancellationToken stoppingToken)
    {
        try
        {
            var published = await RelayPendingAsync(stoppingToken);
            if (published > 0)
            {
                LogPublished(logger, published);
            }

            health.Succeeded(WorkName);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogRelayFailed(logger, exception);
            health.Failed(WorkName, exception);
        }
    }

    private async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(cancellationToken);
        var rows = new List<(long Id, string Subject, string Payload)>();
        await using (var command = transaction.CreateCommand("""
            select id, subject, payload::text from event_outbox where sent_at is null order by id limit @limit for update skip locked
            """))
        {
            command.Parameters.AddWithValue("limit", BatchSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        if (rows.Count == 0)
        {
            return 0;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        foreach (var (id, subject, payload) in rows)
        {
            var headers = new NatsHeaders { ["Nats-Msg-Id"] = $"fabrix-registry-{id}" };
            await nats.PublishAsync(subject, Encoding.UTF8.GetBytes(payload), headers, cancellationToken: timeout.Token);
        }

        // PONG comes back only after the server processed every message sent before the PING.
        await nats.PingAsync(timeout.Token);

        await using (var command = transaction.CreateCommand("update event_outbox set sent_at = @now where id = any(@ids)"))
        {
            command.Parameters.AddWithValue("now", timeProvider.GetUtcNow());
            command.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "Published {Count} outbox events to NATS")]
    private static partial void LogPublished(ILogger logger, int count);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Relaying outbox events to NATS failed; will retry")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);
}
