using System.Diagnostics;
using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Registry.BackgroundWork;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Npgsql;

namespace Fabrix.Core.Registry.Audit.Ingest;

/// <summary>
/// Consumes the lanes' decision stream and appends it to the audit chain in batches (issue 9 section 4). Creates the
/// stream (file storage, work-queue retention, duplicate window) and the durable pull consumer (explicit acks) at
/// start. Each round takes what is available, up to <see cref="DecisionIngestOptions.BatchSize"/> records (when the
/// stream is empty it waits for the next one, then <see cref="DecisionIngestOptions.Linger"/> more, and takes what
/// arrived meanwhile), appends the batch in one transaction
/// (<see cref="DecisionChainAppender"/>) and acknowledges the messages only after the commit. A crash before the
/// commit loses nothing (the records are delivered again after <see cref="DecisionIngestOptions.AckWait"/>); a crash
/// between commit and acknowledgement doubles nothing (the redelivered records are found by record id and only
/// acknowledged). A batch that fails to commit is handed back at once (negative acknowledgement) and retried.
/// A message that is not a decision record is terminated and logged, never appended.
/// </summary>
internal sealed partial class DecisionIngestService(
    INatsConnection nats,
    DecisionChainAppender appender,
    DecisionIngestMetrics metrics,
    BackgroundWorkHealth health,
    IOptions<DecisionIngestOptions> options,
    TimeProvider timeProvider,
    ILogger<DecisionIngestService> logger) : BackgroundService
{
    public const string WorkName = "audit-ingest";
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Rows appended in one transaction at most (more when one message alone holds more).</summary>
    internal const int MaxRowsPerCommit = 5_000;
    private readonly NatsJSContext _js = new(nats);
    private TimeSpan _delay = FirstRetryDelay;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        INatsJSConsumer? consumer = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                consumer ??= await EnsureConsumerAsync(stoppingToken);
                await RunRoundsAsync(consumer, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NatsException or NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
            {
                // NATS or PostgreSQL away: nothing was acknowledged that was not committed; try again after a wait.
                LogRoundFailed(logger, exception);
                health.Failed(WorkName, exception);
                if (exception is NatsJSApiException or NatsJSException)
                {
                    consumer = null;
                }

                await Task.Delay(_delay, timeProvider, stoppingToken);
                _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    private async Task<INatsJSConsumer> EnsureConsumerAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await _js.CreateOrUpdateStreamAsync(new StreamConfig(settings.Stream, [$"{settings.Subject}.>"])
        {
            Description = "Fabrix lane decisions on their way to the audit chain (a record leaves once it is committed)",
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Workqueue,
            DuplicateWindow = settings.DuplicateWindow,
        }, cancellationToken);
        var consumer = await _js.CreateOrUpdateConsumerAsync(settings.Stream, new ConsumerConfig(settings.Consumer)
        {
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = settings.AckWait,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            // Enough for a few batches in flight across replicas; JetStream holds the rest back.
            MaxAckPending = Math.Max(1000, settings.BatchSize * 4),
            MaxDeliver = -1,
        }, cancellationToken);
        LogConsuming(logger, settings.Stream, settings.Consumer);
        return consumer;
    }

    /// <summary>
    /// Fetches and appends batch after batch. The next batch is fetched while the current one is appended (its round
    /// trip overlaps the commit); it is acknowledged only after its own commit. When a round fails, the batch fetched
    /// ahead is handed back at once (negative acknowledgement).
    /// </summary>
    private async Task RunRoundsAsync(INatsJSConsumer consumer, CancellationToken cancellationToken)
    {
        var next = FetchAsync(consumer, cancellationToken);
        try
        {
            while (true)
            {
                var messages = await next;
                next = FetchAsync(consumer, cancellationToken);
                // Lanes batch their records, so a round of messages may hold many rows: commit them a chunk at a time.
                for (var start = 0; start < messages.Count;)
                {
                    start = await AppendAndAcknowledgeAsync(messages, start, cancellationToken);
                }
            }
        }
        finally
        {
            await HandBackAsync(next, cancellationToken);
        }
    }

    private async Task HandBackAsync(Task<List<INatsJSMsg<byte[]>>> fetched, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var message in await fetched)
            {
                await TryAsync(() => message.NakAsync(cancellationToken: cancellationToken));
            }
        }
        catch (Exception exception) when (exception is NatsException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            // Nothing fetched, or NATS away: undelivered or unacknowledged records come back after AckWait.
        }
    }

    private async Task<List<INatsJSMsg<byte[]>>> FetchAsync(INatsJSConsumer consumer, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var messages = new List<INatsJSMsg<byte[]>>(settings.BatchSize);
        await foreach (var message in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = settings.BatchSize }, cancellationToken: cancellationToken))
        {
            messages.Add(message);
        }

        if (messages.Count == 0)
        {
            health.Succeeded(WorkName);
            var first = await consumer.NextAsync<byte[]>(opts: new NatsJSNextOpts { Expires = settings.IdleWait }, cancellationToken: cancellationToken);
            if (first is not { } arrived)
            {
                metrics.Backlog = 0;
                return messages;
            }

            messages.Add(arrived);
            if (settings.BatchSize > 1 && settings.Linger > TimeSpan.Zero)
            {
                // Records trickling in: let the next ones arrive so that they share this round's transaction.
                await Task.Delay(settings.Linger, timeProvider, cancellationToken);
            }

            if (settings.BatchSize > 1)
            {
                await foreach (var message in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = settings.BatchSize - 1 }, cancellationToken: cancellationToken))
                {
                    messages.Add(message);
                }
            }
        }

        return messages;
    }

    /// <summary>
    /// Appends the rows of the messages from <paramref name="start"/> on, up to about <see cref="MaxRowsPerCommit"/>
    /// rows (whole messages), in one commit, then acknowledges those messages; returns where the next chunk starts.
    /// </summary>
    private async Task<int> AppendAndAcknowledgeAsync(List<INatsJSMsg<byte[]>> messages, int start, CancellationToken cancellationToken)
    {
        var rows = new List<DecisionRow>(Math.Min(messages.Count - start, MaxRowsPerCommit));
        var accepted = new List<INatsJSMsg<byte[]>>();
        var end = start;
        while (end < messages.Count && rows.Count < MaxRowsPerCommit)
        {
            var message = messages[end++];
            if (Decode(message, rows))
            {
                accepted.Add(message);
            }
        }

        if (rows.Count > 0)
        {
            var started = Stopwatch.GetTimestamp();
            DecisionAppendResult result;
            try
            {
                result = await appender.AppendAsync(rows, cancellationToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                // Not committed: hand this chunk and the round's later messages back now rather than after AckWait.
                foreach (var message in accepted.Concat(messages.Skip(end)))
                {
                    await TryAsync(() => message.NakAsync(cancellationToken: cancellationToken));
                }

                throw;
            }

            metrics.Committed(result, Stopwatch.GetElapsedTime(started));
        }

        // Only now, after the commit: a crash before these acknowledgements makes JetStream deliver the records
        // again, and the next batch finds them by record id.
        foreach (var message in accepted)
        {
            await TryAsync(() => message.AckAsync(cancellationToken: cancellationToken));
        }

        metrics.Backlog = (long)(messages[end - 1].Metadata?.NumPending ?? 0);
        health.Succeeded(WorkName);
        _delay = FirstRetryDelay;
        return end;
    }

    /// <summary>
    /// Adds the rows of <paramref name="message"/> (one record, or a lane's batch: <see cref="DecisionMessages"/>) to
    /// <paramref name="rows"/>. A message that does not parse, or whose records are all unusable, is terminated and
    /// logged; an unusable record inside a batch is logged and counted and the batch's other records are appended.
    /// </summary>
    private bool Decode(INatsJSMsg<byte[]> message, List<DecisionRow> rows)
    {
        IReadOnlyList<DecisionRecord> records;
        try
        {
            records = DecisionMessages.Read(message.Headers?.TryGetValue(DecisionMessages.BatchHeader, out var header) == true ? header.ToString() : null,
                message.Data ?? []);
        }
        catch (Exception exception) when (exception is Google.Protobuf.InvalidProtocolBufferException or FormatException)
        {
            Reject(message, $"not a DecisionRecord or DecisionBatch: {exception.Message}");
            return false;
        }

        var added = 0;
        string? lastProblem = null;
        foreach (var record in records)
        {
            if (DecisionRows.TryMap(record, out var problem) is { } row)
            {
                rows.Add(row);
                added++;
            }
            else
            {
                lastProblem = problem ?? "unknown";
                if (records.Count > 1)
                {
                    metrics.Rejected();
                    LogRejectedInBatch(logger, message.Subject, message.Metadata?.Sequence.Stream ?? 0, record.Id, lastProblem);
                }
            }
        }

        if (added == 0)
        {
            Reject(message, lastProblem ?? "an empty batch");
            return false;
        }

        return true;
    }

    private void Reject(INatsJSMsg<byte[]> message, string problem)
    {
        metrics.Rejected();
        LogRejected(logger, message.Subject, message.Metadata?.Sequence.Stream ?? 0, problem);
        _ = TryAsync(() => message.AckTerminateAsync());
    }

    private async Task TryAsync(Func<ValueTask> acknowledge)
    {
        try
        {
            await acknowledge();
        }
        catch (Exception exception) when (exception is NatsException or OperationCanceledException or InvalidOperationException)
        {
            // The message is delivered again after AckWait and found by record id: nothing is lost or doubled.
            LogAcknowledgementFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 1530, Level = LogLevel.Information, Message = "Appending lane decisions from stream {Stream} (consumer {Consumer}) to the audit chain")]
    private static partial void LogConsuming(ILogger logger, string stream, string consumer);

    [LoggerMessage(EventId = 1531, Level = LogLevel.Warning, Message = "Appending lane decisions failed; retrying (nothing unacknowledged is lost)")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1532, Level = LogLevel.Error, Message = "Terminated message {Sequence} on {Subject}: {Problem}")]
    private static partial void LogRejected(ILogger logger, string subject, ulong sequence, string problem);

    [LoggerMessage(EventId = 1534, Level = LogLevel.Error, Message = "Left out record {RecordId} of the batch in message {Sequence} on {Subject}: {Problem}")]
    private static partial void LogRejectedInBatch(ILogger logger, string subject, ulong sequence, string recordId, string problem);

    [LoggerMessage(EventId = 1533, Level = LogLevel.Warning, Message = "Acknowledging a lane decision failed; JetStream delivers it again and the chain skips it")]
    private static partial void LogAcknowledgementFailed(ILogger logger, Exception exception);
}
