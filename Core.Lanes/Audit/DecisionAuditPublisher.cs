using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Lanes.Audit;

/// <summary>
/// Drains <see cref="DecisionAuditWriter"/>'s buffer to JetStream: <see cref="DecisionAuditOptions.PublishConcurrency"/>
/// workers, each taking what the buffer holds (up to <see cref="DecisionAuditOptions.MaxBatch"/> records of one lane and
/// <see cref="DecisionAuditOptions.MaxBatchBytes"/>; a short batch waits <see cref="DecisionAuditOptions.Linger"/> for more), publishing it as one message and waiting
/// for its acknowledgement (the records are stored). One record goes out as a <see cref="DecisionRecord"/> with
/// <c>Nats-Msg-Id</c> = record id; several as a <see cref="DecisionBatch"/> (<see cref="DecisionMessages"/>), so the
/// per-message cost of JetStream and of the registry's ingest is paid once per batch: batches form on their own when
/// decisions arrive faster than acknowledgements. A retry after a lost acknowledgement republishes the same message
/// with the same id and is not stored twice (JetStream's duplicate window; the registry also dedupes by record id).
/// A failed publish is retried with a doubling wait until it succeeds or the host stops. At stop, the writer takes no
/// more records and the workers publish what is buffered until the host's shutdown timeout.
/// </summary>
internal sealed partial class DecisionAuditPublisher(
    DecisionAuditWriter writer,
    INatsConnection nats,
    IOptions<DecisionAuditOptions> options,
    DecisionAuditMetrics metrics,
    TimeProvider timeProvider,
    ILogger<DecisionAuditPublisher> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private readonly NatsJSContext _js = new(nats);
    private readonly CancellationTokenSource _abort = new();
    private Task[] _workers = [];
    private int _failing;
    private string? _lastError;
    private int _disposed;

    /// <summary>Whether the latest publish attempt failed.</summary>
    public bool Failing => Volatile.Read(ref _failing) != 0;

    /// <summary>The latest failure, in words, while <see cref="Failing"/>.</summary>
    public string? LastError => Failing ? _lastError : null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _workers = Enumerable.Range(0, options.Value.PublishConcurrency).Select(_ => Task.Run(() => RunAsync(_abort.Token), CancellationToken.None)).ToArray();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        writer.Complete();
        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _abort.CancelAsync();
            LogUnpublishedAtStop(logger, writer.Buffered);
        }
    }

    /// <summary>Stops the workers where they are (the host's StopAsync drained what it could).</summary>
    public void Dispose()
    {
        // Registered as a singleton and as the hosted service: the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _abort.Cancel();
            _abort.Dispose();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var reader = writer.Reader;
        var batch = new List<DecisionRecord>(settings.MaxBatch);
        DecisionRecord? carried = null;
        try
        {
            while (carried is not null || await reader.WaitToReadAsync(cancellationToken))
            {
                // A record of another lane ends a batch and opens the next one.
                if (carried is null && !reader.TryRead(out carried))
                {
                    continue;
                }

                batch.Add(carried);
                var lane = carried.Lane;
                var bytes = carried.CalculateSize();
                carried = Fill(batch, lane, ref bytes);
                if (carried is null && batch.Count < settings.MaxBatch && settings.Linger > TimeSpan.Zero)
                {
                    // A short batch: let more records join it before it goes out (see DecisionAuditOptions.Linger).
                    await Task.Delay(settings.Linger, timeProvider, cancellationToken);
                    carried = Fill(batch, lane, ref bytes);
                }

                await PublishUntilStoredAsync(lane, batch, cancellationToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Adds what the buffer holds now to <paramref name="batch"/>, up to <see cref="DecisionAuditOptions.MaxBatch"/>
    /// records and <see cref="DecisionAuditOptions.MaxBatchBytes"/>; returns the record that ends it (another lane, or
    /// no room left), which opens the next batch.
    /// </summary>
    private DecisionRecord? Fill(List<DecisionRecord> batch, Lane lane, ref int bytes)
    {
        var settings = options.Value;
        while (batch.Count < settings.MaxBatch && writer.Reader.TryRead(out var next))
        {
            var size = next.CalculateSize();
            if (next.Lane != lane || bytes + size > settings.MaxBatchBytes)
            {
                return next;
            }

            batch.Add(next);
            bytes += size;
        }

        return null;
    }

    private async Task PublishUntilStoredAsync(Lane lane, List<DecisionRecord> records, CancellationToken cancellationToken)
    {
        var subject = DecisionSubjects.For(options.Value.Subject, lane);
        byte[] body;
        NatsJSPubOpts publishOptions;
        NatsHeaders? headers = null;
        if (records.Count == 1)
        {
            body = records[0].ToByteArray();
            publishOptions = new NatsJSPubOpts { MsgId = records[0].Id };
        }
        else
        {
            var batch = new DecisionBatch { Records = { records } };
            body = batch.ToByteArray();
            publishOptions = new NatsJSPubOpts { MsgId = DecisionMessages.BatchMessageId(batch) };
            headers = new NatsHeaders { [DecisionMessages.BatchHeader] = records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }

        var delay = FirstRetryDelay;
        while (true)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.PublishTimeout);
                var ack = await _js.PublishAsync(subject, body, headers: headers, opts: publishOptions, cancellationToken: timeout.Token);
                EnsureStored(ack);
                metrics.Published(records.Count);
                if (Interlocked.Exchange(ref _failing, 0) != 0)
                {
                    LogRecovered(logger);
                }

                return;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is NatsException or OperationCanceledException or TimeoutException)
            {
                metrics.PublishFailed();
                _lastError = $"{exception.GetType().Name}: {exception.Message}";
                if (Interlocked.Exchange(ref _failing, 1) == 0)
                {
                    LogPublishFailing(logger, exception, subject);
                }

                await Task.Delay(delay, timeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// Throws unless JetStream stored the message. A duplicate acknowledgement is success: an earlier attempt of the same
    /// message id was stored and only its acknowledgement was lost or late (NATS.Net's EnsureSuccess throws for it).
    /// </summary>
    internal static void EnsureStored(PubAckResponse ack)
    {
        if (ack.Error is not null || !ack.Duplicate)
        {
            ack.EnsureSuccess();
        }
    }

    [LoggerMessage(EventId = 9400, Level = LogLevel.Warning, Message = "Publishing decision records to {Subject} fails; retrying (records stay buffered)")]
    private static partial void LogPublishFailing(ILogger logger, Exception exception, string subject);

    [LoggerMessage(EventId = 9401, Level = LogLevel.Information, Message = "Publishing decision records succeeds again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 9402, Level = LogLevel.Error, Message = "Stopped with {Count} decision record(s) still buffered: they were not audited")]
    private static partial void LogUnpublishedAtStop(ILogger logger, int count);
}
