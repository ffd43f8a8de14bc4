using System.Diagnostics;

namespace Fabrix.Testing;

/// <summary>
/// The one polling wait the tests share: asks a condition again every <c>every</c> until it holds, and fails with a
/// message naming what did not happen once <c>within</c> has passed. The bound only turns a hang into a failure; it is
/// never what a test asserts (no timing thresholds in tests). Elapsed time comes from <see cref="Stopwatch"/>, not the
/// wall clock.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(15);

    /// <summary>Waits until an in-memory <paramref name="condition"/> holds, looking every 10 ms for at most 15 s.</summary>
    public static Task WaitAsync(Func<bool> condition, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return ForAsync(() => Task.FromResult(condition()), held => held, DefaultWithin, what, cancellationToken,
            every: TimeSpan.FromMilliseconds(10));
    }

    /// <summary>Waits until <paramref name="condition"/> holds; <paramref name="nudge"/> runs before each new look.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within, string what, CancellationToken cancellationToken,
        Action? nudge = null, TimeSpan? every = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        await ForAsync(condition, held => held, within, what, cancellationToken, nudge, every);
    }

    /// <summary>Reads until <paramref name="condition"/> holds for the value read, and returns that value.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan within, string what,
        CancellationToken cancellationToken, Action? nudge = null, TimeSpan? every = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(condition);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            if (Stopwatch.GetElapsedTime(started) > within)
            {
                throw new TimeoutException($"{what}: not within {within.TotalSeconds:0.#} s.");
            }

            nudge?.Invoke();
            await Task.Delay(every ?? DefaultEvery, cancellationToken);
        }
    }
}
