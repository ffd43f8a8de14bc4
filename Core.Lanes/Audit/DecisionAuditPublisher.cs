using Fabrix.Contracts.Audit.V1;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Fabrix.Core.Lanes.Audit;

/// <summary>
/// Drains <see cref="DecisionAuditWriter"/>'s buffer to JetStream: <see cref="DecisionAuditOptions.PublishConcurrency"/>
/// workers, each publishing one record at a time and waiting for its acknowledgement (the record is stored), with
/// <c>Nats-Msg-Id</c> = record id so that a retry after a lost acknowledgement is not stored twice (JetStream's duplicate
/// window). A failed publish is retried with a doubling wait until it succeeds or the host stops. At stop, the writer
/// takes no more records and the workers publish what is buffered until the host's shutdown timeout.
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
        try
        {
            await foreach (var record in writer.Reader.ReadAllAsync(cancellationToken))
            {
                await PublishUntilStoredAsync(record, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task PublishUntilStoredAsync(DecisionRecord record, CancellationToken cancellationToken)
    {
        var subject = DecisionSubjects.For(options.Value.Subject, record.Lane);
        var body = record.ToByteArray();
        var delay = FirstRetryDelay;
        while (true)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.PublishTimeout);
                var ack = await _js.PublishAsync(subject, body, opts: new NatsJSPubOpts { MsgId = record.Id }, cancellationToken: timeout.Token);
                // A duplicate acknowledgement means an earlier attempt was stored: done either way.
                ack.EnsureSuccess();
                metrics.Published();
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

    [LoggerMessage(EventId = 9400, Level = LogLevel.Warning, Message = "Publishing decision records to {Subject} fails; retrying (records stay buffered)")]
    private static partial void LogPublishFailing(ILogger logger, Exception exception, string subject);

    [LoggerMessage(EventId = 9401, Level = LogLevel.Information, Message = "Publishing decision records succeeds again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 9402, Level = LogLevel.Error, Message = "Stopped with {Count} decision record(s) still buffered: they were not audited")]
    private static partial void LogUnpublishedAtStop(ILogger logger, int count);
}
