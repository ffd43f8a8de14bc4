namespace Fabrix.Core.Registry.Health;

/// <summary>
/// When each plugin's probe is due. Plugins discovered together (every plugin, after a registry restart) get their
/// first probe spread evenly over one interval in random order, so a restart causes no flood; after that each next
/// probe is due one interval after the previous due time, stretched by ±<c>Jitter</c> so plugins do not stay in
/// lock-step. Counting from the due time (not from when the probe ran) keeps the rate exact under load.
/// </summary>
/// <remarks>Not thread-safe: used from the monitor's loop only. Tests pass a seeded <see cref="Random"/>.</remarks>
internal sealed class HealthSchedule(Random random)
{
    /// <summary>
    /// First due times for plugins found together at <paramref name="now"/>: the i-th of n, in a random
    /// order, at <c>now + its interval × i / n</c>. A lone new plugin is therefore probed at once.
    /// </summary>
    public DateTimeOffset[] Spread(DateTimeOffset now, IReadOnlyList<TimeSpan> intervals)
    {
        ArgumentNullException.ThrowIfNull(intervals);
        var count = intervals.Count;
        var slots = Enumerable.Range(0, count).ToArray();
        random.Shuffle(slots);
        var due = new DateTimeOffset[count];
        for (var i = 0; i < count; i++)
        {
            due[i] = now + intervals[i] * slots[i] / count;
        }

        return due;
    }

    /// <summary>
    /// The due time after <paramref name="due"/>: one interval later ± jitter. When the loop fell a whole interval
    /// behind, the missed round is dropped and the next one counts from <paramref name="now"/> — a backlog is never
    /// replayed as a burst.
    /// </summary>
    public DateTimeOffset Next(DateTimeOffset due, DateTimeOffset now, TimeSpan interval, double jitter)
    {
        var stretched = jitter == 0 ? interval : interval * (1 + (jitter * ((2 * random.NextDouble()) - 1)));
        var next = due + stretched;
        return next > now ? next : now + stretched;
    }
}
