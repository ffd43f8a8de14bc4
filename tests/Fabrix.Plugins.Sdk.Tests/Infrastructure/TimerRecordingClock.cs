using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that remembers when each timer created on it is due. A timer armed for a given
/// moment is the signal that the plugin now waits on the clock: until the clock reaches that moment, that work cannot
/// run, so a test checks "nothing happens before then" by advancing the clock, not by sleeping.
/// </summary>
public sealed class TimerRecordingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<DateTimeOffset> _dueAt = new();

    /// <summary>When each timer created so far was due (on this clock), in creation order; periodic timers by their first tick.</summary>
    public IReadOnlyList<DateTimeOffset> TimersDueAt => [.. _dueAt];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _dueAt.Enqueue(GetUtcNow() + dueTime);
        }

        return base.CreateTimer(callback, state, dueTime, period);
    }
}
