using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.AppHost.Tests.Orchestration;

public sealed class ShutdownSignalsTests
{
    [Fact]
    public async Task Receive_FirstSignal_AsksForAnOrderlyStop()
    {
        await using var run = new TestRun();
        using var signals = new ShutdownSignals(run.Reporter, new FakeTimeProvider(), listen: false);

        signals.Receive("SIGINT");

        await WaitUntilAsync(() => signals.Stopping.IsCancellationRequested);
        Assert.False(signals.Forced.IsCancellationRequested);
        Assert.Contains("SIGINT received: stopping", run.Output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receive_SameSignalTwiceAtOnce_IsOneRequest()
    {
        // kill -TERM -PGID reaches dotnet run too, which forwards it: the AppHost sees it twice within milliseconds.
        await using var run = new TestRun();
        var time = new FakeTimeProvider();
        using var signals = new ShutdownSignals(run.Reporter, time, listen: false);

        signals.Receive("SIGTERM");
        time.Advance(TimeSpan.FromMilliseconds(20));
        signals.Receive("SIGTERM");

        await WaitUntilAsync(() => signals.Stopping.IsCancellationRequested);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(signals.Forced.IsCancellationRequested);
    }

    [Fact]
    public async Task Receive_SignalAgainLater_ForcesTheStop()
    {
        await using var run = new TestRun();
        var time = new FakeTimeProvider();
        using var signals = new ShutdownSignals(run.Reporter, time, listen: false);

        signals.Receive("SIGINT");
        time.Advance(TimeSpan.FromSeconds(3));
        signals.Receive("SIGINT");

        await WaitUntilAsync(() => signals.Forced.IsCancellationRequested);
        Assert.Contains("SIGINT received again: stopping at once", run.Output.ToString(), StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }
}
