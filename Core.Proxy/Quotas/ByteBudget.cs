namespace Fabrix.Core.Proxy.Quotas;

/// <summary>
/// One plugin's bandwidth budget: a token bucket on bytes that may go into debt. It holds at most one second's worth
/// (<see cref="BytesPerSecond"/>) and refills continuously by the <see cref="TimeProvider"/>. Bytes are charged after
/// they are read; a copy waits before its next write while the budget is in debt, so the average rate stays at the
/// quota with bursts of at most one second's worth, and a new request sees the debt and is refused (429).
/// <see cref="System.Threading.RateLimiting"/> is not used here: its permits are <see cref="int"/> (a quota goes up to
/// 10^12 bytes per second) and it cannot owe, which the charge-after-read copy needs.
/// </summary>
internal sealed class ByteBudget(long bytesPerSecond, TimeProvider time)
{
    private readonly Lock _gate = new();
    private double _available = bytesPerSecond;
    private long _stamp = time.GetTimestamp();

    public long BytesPerSecond => bytesPerSecond;

    /// <summary>Takes <paramref name="bytes"/> from the budget, into debt if need be.</summary>
    public void Charge(long bytes)
    {
        lock (_gate)
        {
            Refill();
            _available -= bytes;
        }
    }

    /// <summary>How long until the budget is out of debt; zero when it is not in debt.</summary>
    public TimeSpan Debt()
    {
        lock (_gate)
        {
            Refill();
            return _available >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_available / bytesPerSecond);
        }
    }

    /// <summary>Waits until the budget is out of debt (the throttle of a body copy or a tunnel pump).</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        for (var wait = Debt(); wait > TimeSpan.Zero; wait = Debt())
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        _available = Math.Min(bytesPerSecond, _available + (time.GetElapsedTime(_stamp, now).TotalSeconds * bytesPerSecond));
        _stamp = now;
    }
}
