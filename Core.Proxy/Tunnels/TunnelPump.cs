using System.IO.Pipelines;

namespace Fabrix.Core.Proxy.Tunnels;

/// <summary>
/// Moves bytes both ways between a client connection and an upstream stream until either side closes, nothing moves
/// for <c>idleTimeout</c>, or <c>maxLifetime</c> passes (issue 12 section 2). Reads straight into the pipes' pooled
/// memory: no per-read allocation. With a <see cref="Budget"/> (the plugin's bandwidth quota) both directions charge it
/// and wait before each write while it is in debt.
/// </summary>
internal sealed class TunnelPump(TimeProvider time, TimeSpan idleTimeout, TimeSpan maxLifetime)
{
    /// <summary>
    /// Bytes asked of the upstream per read. Larger than Kestrel's 4 KiB pool blocks, so the pipe rents the segment from
    /// the shared array pool (still no allocation per read); 64 KiB means a quarter of the reads, flushes and wake-ups of
    /// 16 KiB on a bulk download (benchmarks/README.md, proxy-connect).
    /// </summary>
    private const int ReadSize = 64 * 1024;

    private long _lastActivity;

    /// <summary>The plugin's bandwidth budget, or null when it has no bandwidth quota.</summary>
    public Quotas.ByteBudget? Budget { get; init; }

    public async Task<(long Sent, long Received)> RunAsync(IDuplexPipe client, Stream upstream, CancellationToken cancellationToken)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lifetime.CancelAfter(maxLifetime);
        _lastActivity = time.GetTimestamp();
        using var idle = new PeriodicTimer(idleTimeout / 4 < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : idleTimeout / 4, time);
        var watchdog = WatchIdleAsync(idle, lifetime);
        var sent = ClientToUpstreamAsync(client.Input, upstream, lifetime.Token);
        var received = UpstreamToClientAsync(upstream, client.Output, lifetime.Token);
        await Task.WhenAny(sent, received);
        await lifetime.CancelAsync();
        var sentBytes = await sent;
        var receivedBytes = await received;
        idle.Dispose();
        await watchdog;
        return (sentBytes, receivedBytes);
    }

    private async Task WatchIdleAsync(PeriodicTimer timer, CancellationTokenSource lifetime)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(lifetime.Token))
            {
                if (time.GetElapsedTime(Interlocked.Read(ref _lastActivity)) >= idleTimeout)
                {
                    await lifetime.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<long> ClientToUpstreamAsync(PipeReader input, Stream upstream, CancellationToken cancellationToken)
    {
        long total = 0;
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(cancellationToken);
                if (Budget is { } budget)
                {
                    await budget.WaitAsync(cancellationToken);
                    budget.Charge(read.Buffer.Length);
                }

                foreach (var segment in read.Buffer)
                {
                    await upstream.WriteAsync(segment, cancellationToken);
                    total += segment.Length;
                }

                input.AdvanceTo(read.Buffer.End);
                Interlocked.Exchange(ref _lastActivity, time.GetTimestamp());
                if (read.IsCompleted)
                {
                    return total;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
            return total;
        }
    }

    private async Task<long> UpstreamToClientAsync(Stream upstream, PipeWriter output, CancellationToken cancellationToken)
    {
        long total = 0;
        try
        {
            while (true)
            {
                var memory = output.GetMemory(ReadSize);
                var count = await upstream.ReadAsync(memory, cancellationToken);
                if (count == 0)
                {
                    return total;
                }

                if (Budget is { } budget)
                {
                    await budget.WaitAsync(cancellationToken);
                    budget.Charge(count);
                }

                output.Advance(count);
                total += count;
                Interlocked.Exchange(ref _lastActivity, time.GetTimestamp());
                var flushed = await output.FlushAsync(cancellationToken);
                if (flushed.IsCompleted)
                {
                    return total;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
            return total;
        }
    }
}
