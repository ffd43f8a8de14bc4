using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.Infrastructure;

/// <summary>
/// Stepping a fake clock until something happens (real-time polling is <see cref="Fabrix.Testing.Eventually"/>).
/// </summary>
public static class FakeClockSteps
{
    private static readonly TimeSpan s_realTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(10);


    /// <summary>
    /// Advances <paramref name="time"/> by <paramref name="step"/> (pausing briefly in real time so the plugin's timers
    /// and calls run) until <paramref name="condition"/> holds. Returns how much fake time passed; fails when
    /// <paramref name="limit"/> passes first. <paramref name="settle"/> is the most real time given to the plugin's work
    /// after each step (the condition is polled meanwhile): use it when that work is a real call that, on a loaded
    /// machine, outlasts many 10 ms pauses, during which stepping on would run the fake clock past the limit first.
    /// </summary>
    public static async Task<TimeSpan> AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition, TimeSpan step, TimeSpan limit, string what,
        TimeSpan? settle = null)
    {
        var advanced = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (advanced >= limit || watch.Elapsed > s_realTimeout * 2)
            {
                throw new TimeoutException($"{what} did not happen within {advanced} of fake time.");
            }

            time.Advance(step);
            advanced += step;
            var settling = Stopwatch.StartNew();
            do
            {
                await Task.Delay(s_pause, TestContext.Current.CancellationToken);
            }
            while (!condition() && settling.Elapsed < (settle ?? TimeSpan.Zero));
        }

        return advanced;
    }

    /// <summary>Advances fake time in steps up to <paramref name="total"/>, asserting <paramref name="invariant"/> after each.</summary>
    public static async Task AdvanceWhileAsync(FakeTimeProvider time, Func<bool> invariant, TimeSpan step, TimeSpan total, string what)
    {
        for (var advanced = TimeSpan.Zero; advanced < total; advanced += step)
        {
            time.Advance(step);
            await Task.Delay(s_pause, TestContext.Current.CancellationToken);
            Assert.True(invariant(), $"{what} broke after {advanced + step} of fake time.");
        }
    }
}
