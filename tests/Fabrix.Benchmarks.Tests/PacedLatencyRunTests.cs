using System.Collections.Concurrent;
using Fabrix.Benchmarks.Events;

namespace Fabrix.Benchmarks.Tests;

/// <summary>
/// The latency runs' pacer (<see cref="PacedLatencyRun.PublishAsync"/>): every publish is started once, in order, from a
/// thread of its own or from the thread pool, and its checks are reported.
/// </summary>
public sealed class PacedLatencyRunTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PublishAsync_EitherPacer_StartsEveryPublishOnceInOrder(bool pacerThread)
    {
        var run = new PacedLatencyRun(2000, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150)) { PacerThread = pacerThread };
        var started = new ConcurrentQueue<long>();

        await run.PublishAsync(n =>
        {
            started.Enqueue(n);
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken);

        Assert.Equal(400, run.Total);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), started);
        Assert.StartsWith("gap p99 ", run.Gaps(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task PublishAsync_PacerThread_StartsPublishesOffTheThreadPool(bool pacerThread, bool expectedPoolThread)
    {
        var run = new PacedLatencyRun(1000, TimeSpan.Zero, TimeSpan.FromMilliseconds(20)) { PacerThread = pacerThread };
        var onPool = new ConcurrentBag<bool>();

        await run.PublishAsync(_ =>
        {
            onPool.Add(Thread.CurrentThread.IsThreadPoolThread);
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken);

        Assert.Equal(20, onPool.Count);
        Assert.All(onPool, pool => Assert.Equal(expectedPoolThread, pool));
    }

    [Fact]
    public async Task PublishAsync_Cancelled_StopsTheThreadPacerWithTheCancellation()
    {
        var run = new PacedLatencyRun(10, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = 0;

        // Without the cancellation it would pace 600 publishes over a minute and return normally.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.PublishAsync(_ =>
        {
            Interlocked.Increment(ref started);
            return Task.CompletedTask;
        }, cancellation.Token));

        Assert.InRange(Volatile.Read(ref started), 1, 599);
    }
}
