namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// When the AppHost restarts a child that exited on its own (issue 7 section 6): after <see cref="InitialDelay"/>,
/// doubling with each consecutive crash up to <see cref="MaxDelay"/>, for as long as it keeps crashing (the shape of
/// Kubernetes' CrashLoopBackOff, with a shorter cap for a developer's machine). A child that stays up for
/// <see cref="ResetAfter"/> starts again from the initial delay at its next crash.
/// </summary>
internal sealed record RestartPolicy(TimeSpan InitialDelay, TimeSpan MaxDelay, TimeSpan ResetAfter)
{
    /// <summary>1 s, 2 s, 4 s, ... capped at 30 s; reset after 60 s up.</summary>
    public static RestartPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));

    /// <summary>The wait before consecutive restart number <paramref name="restart"/> (1 for the first).</summary>
    public TimeSpan DelayBefore(int restart)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(restart);
        // Doubling past 2^20 s overflows nothing but means nothing either: the cap applies long before.
        var factor = Math.Pow(2, Math.Min(restart - 1, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks));
        return delay < InitialDelay ? InitialDelay : delay;
    }
}
