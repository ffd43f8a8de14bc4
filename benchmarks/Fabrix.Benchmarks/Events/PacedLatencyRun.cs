using System.Diagnostics;

namespace Fabrix.Benchmarks.Events;

/// <summary>
/// One paced latency run of <c>events-publish</c>: publishes numbered 0 to <see cref="Total"/> − 1, started at
/// <see cref="Rate"/> per second (the warm-up's first, then the measured window's), and the latency of each from just
/// before it was started to its first arrival in the subscriber's handler, on one monotonic clock (this process's
/// <see cref="Stopwatch"/>). The end-to-end way through Core.Events and the bare JetStream way both run through it, so
/// they are paced, counted and cut into percentiles the same way.
/// </summary>
internal sealed class PacedLatencyRun
{
    private readonly long[] _starts;
    private readonly List<double> _latencies;
    private readonly List<(long N, double Latency)> _byPublish;
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly (string Name, Func<TimeSpan> Read)[] _processes;
    private readonly List<TimeSpan[]> _cpuSamples = [];
    private long _settled;
    private readonly List<double> _gaps = [];
    private long _largestBurst;

    /// <param name="rate">Publishes started per second.</param>
    /// <param name="warmup">The warm-up before the measured window.</param>
    /// <param name="duration">The measured window.</param>
    /// <param name="processes">
    /// Processes whose CPU time is read at each second of the measured window (<see cref="CpuPerSecond"/>): whether a
    /// second with a stall is one in which some process was busy.
    /// </param>
    public PacedLatencyRun(double rate, TimeSpan warmup, TimeSpan duration, (string Name, Func<TimeSpan> Read)[]? processes = null)
    {
        _processes = processes ?? [];
        Rate = rate;
        WarmupCount = (long)(rate * warmup.TotalSeconds);
        Total = WarmupCount + (long)(rate * duration.TotalSeconds);
        _starts = new long[Total];
        _latencies = new List<double>((int)(Total - WarmupCount));
        _byPublish = new List<(long, double)>((int)(Total - WarmupCount));
    }

    public double Rate { get; }

    /// <summary>The warm-up's publishes (the first ones): they arrive, but their latency is not counted.</summary>
    public long WarmupCount { get; }

    public long Total { get; }

    /// <summary>Whether <paramref name="n"/> numbers a publish of this run.</summary>
    public bool Contains(long n) => n >= 0 && n < Total;

    /// <summary>
    /// Starts <paramref name="publish"/> for each number when it is due at <see cref="Rate"/> (checked every
    /// millisecond), without waiting for the earlier ones, and records the clock just before each; returns when every
    /// publish has completed.
    /// </summary>
    /// <remarks>
    /// The pacer runs on a thread of its own that sleeps a millisecond between checks (<see cref="PacerThread"/>, the
    /// default), or on the thread pool with <c>Task.Delay</c> of a millisecond. The thread pool's timer is late when the
    /// pool is busy (the callers and the subscriber of this process run there), and a late check starts every publish
    /// that fell due meanwhile at once: a burst the services then queue, which the latency counts although no caller
    /// sent it. <see cref="Gaps"/> says how regular the checks were.
    /// </remarks>
    public async Task PublishAsync(Func<long, Task> publish, CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>((int)Total);
        if (PacerThread)
        {
            var paced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    var watch = Stopwatch.StartNew();
                    var state = new PaceState();
                    while (Pace(publish, inFlight, watch, state))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        Thread.Sleep(1);
                    }

                    paced.TrySetResult();
                }
                catch (Exception exception)
                {
                    paced.TrySetException(exception);
                }
            })
            { IsBackground = true, Name = "latency pacer" };
            thread.Start();
            await paced.Task;
        }
        else
        {
            var watch = Stopwatch.StartNew();
            var state = new PaceState();
            while (Pace(publish, inFlight, watch, state))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken);
            }
        }

        if (_processes.Length > 0)
        {
            _cpuSamples.Add([.. _processes.Select(p => p.Read())]);
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>True: the pacer runs on a thread of its own (see <see cref="PublishAsync"/>); false: on the thread pool.</summary>
    public bool PacerThread { get; init; } = true;

    /// <summary>
    /// The pacer's checks: the p99 and the largest gap between two checks in the measured window (ms), and the most
    /// publishes one check started, as "gap p99 a ms, max b ms; largest burst c".
    /// </summary>
    public string Gaps()
    {
        lock (_gaps)
        {
            if (_gaps.Count == 0)
            {
                return "no checks";
            }

            var sorted = _gaps.Order().ToArray();
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"gap p99 {Percentile(sorted, 0.99):0.00} ms, max {sorted[^1]:0.00} ms; largest burst {_largestBurst}");
        }
    }

    private sealed class PaceState
    {
        public long Next;
        public long Second = -1;
        public TimeSpan LastCheck = TimeSpan.MinValue;
    }

    /// <summary>One check: samples the CPU at each new second of the window, starts what is due; false when all are started.</summary>
    private bool Pace(Func<long, Task> publish, List<Task> inFlight, Stopwatch watch, PaceState state)
    {
        if (state.Next >= Total)
        {
            return false;
        }

        var now = watch.Elapsed;
        var due = Math.Min(Total, (long)(now.TotalSeconds * Rate) + 1);
        if (_processes.Length > 0 && due > WarmupCount && (long)((due - 1 - WarmupCount) / Rate) > state.Second)
        {
            state.Second = (long)((due - 1 - WarmupCount) / Rate);
            _cpuSamples.Add([.. _processes.Select(p => p.Read())]);
        }

        if (state.Next >= WarmupCount && state.LastCheck != TimeSpan.MinValue)
        {
            lock (_gaps)
            {
                _gaps.Add((now - state.LastCheck).TotalMilliseconds);
                _largestBurst = Math.Max(_largestBurst, due - state.Next);
            }
        }

        state.LastCheck = now;
        for (; state.Next < due; state.Next++)
        {
            Volatile.Write(ref _starts[state.Next], Stopwatch.GetTimestamp());
            inFlight.Add(publish(state.Next));
        }

        return state.Next < Total;
    }

    /// <summary>
    /// The CPU time (ms) each of the processes given at construction used in each second of the measured window, as
    /// "name a / b / c ..." parts (empty without processes).
    /// </summary>
    public string CpuPerSecond() => string.Join(", ", _processes.Select((p, k) =>
        $"{p.Name} " + string.Join(" / ", _cpuSamples.Zip(_cpuSamples.Skip(1), (a, b) => $"{(b[k] - a[k]).TotalMilliseconds:0}"))));

    /// <summary>
    /// Records the first arrival of publish <paramref name="n"/> at <paramref name="arrived"/> (a
    /// <see cref="Stopwatch"/> timestamp taken as the handler got it); true when its latency is counted (after the warm-up).
    /// </summary>
    public bool Arrived(long n, long arrived)
    {
        var measured = n >= WarmupCount;
        if (measured)
        {
            var latency = Stopwatch.GetElapsedTime(Volatile.Read(ref _starts[n]), arrived).TotalMilliseconds;
            lock (_latencies)
            {
                _latencies.Add(latency);
                _byPublish.Add((n, latency));
            }
        }

        Settle(1);
        return measured;
    }

    /// <summary>Counts <paramref name="count"/> publishes that will never arrive (refused or failed), so nothing waits for them.</summary>
    private void Lost(long count)
    {
        if (count > 0)
        {
            Settle(count);
        }
    }

    /// <summary>
    /// Ends the run once its publishes have completed: stops waiting for the <paramref name="lost"/> ones (refused or
    /// failed), waits up to 30 s for the rest to arrive, then stops the subscriber (<paramref name="stop"/>, its
    /// <paramref name="handler"/>) and returns the counted latencies (ms), sorted.
    /// </summary>
    public async Task<double[]> FinishAsync(long lost, CancellationTokenSource stop, Task handler, CancellationToken cancellationToken)
    {
        Lost(lost);
        await Task.WhenAny(_all.Task, Task.Delay(TimeSpan.FromSeconds(30), cancellationToken));
        await stop.CancelAsync();
        await handler;
        return SortedLatencies();
    }

    /// <summary>The counted latencies (ms), sorted.</summary>
    private double[] SortedLatencies()
    {
        lock (_latencies)
        {
            return [.. _latencies.Order()];
        }
    }

    /// <summary>
    /// The p99 of each second of the measured window (by when the publish was due), in order: whether the run's p99 comes
    /// from a stall in one second or from every second alike.
    /// </summary>
    public double[] P99PerSecond()
    {
        lock (_latencies)
        {
            return [.. _byPublish
                .GroupBy(p => (long)((p.N - WarmupCount) / Rate))
                .OrderBy(g => g.Key)
                .Select(g => Percentile([.. g.Select(p => p.Latency).Order()], 0.99))];
        }
    }

    /// <summary>The nearest-rank percentile of <paramref name="sorted"/> (not empty).</summary>
    public static double Percentile(double[] sorted, double quantile) => sorted[(int)Math.Ceiling(quantile * sorted.Length) - 1];

    private void Settle(long count)
    {
        if (Interlocked.Add(ref _settled, count) >= Total)
        {
            _all.TrySetResult();
        }
    }
}
