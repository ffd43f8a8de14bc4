using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// The monitor's own health, reported through the registry's <c>/health</c>: unhealthy when no tick completed for
/// three ticks (the loop is stuck or dead), degraded while the plugin list cannot be loaded or the last tick failed.
/// History pruning reports under background work (<see cref="HealthHistoryRetention"/>).
/// </summary>
internal sealed class HealthMonitorLiveness(TimeProvider timeProvider, IOptions<HealthOptions> options) : IHealthCheck
{
    /// <summary>Allowance on top of three ticks for a slow store call inside a tick.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    private DateTimeOffset _tickingSince = timeProvider.GetUtcNow();
    private bool _standingBy;
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastTickAt;
    private long _completedTicks;
    private int _plugins;
    private int _inFlight;
    private bool _disabled;
    private (DateTimeOffset At, string Error)? _tickFailure;
    private (DateTimeOffset At, string Error)? _refreshFailure;

    public long CompletedTicks => Interlocked.Read(ref _completedTicks);

    public void TickCompleted(DateTimeOffset at, int plugins, int inFlight)
    {
        lock (_lock)
        {
            _lastTickAt = at;
            _plugins = plugins;
            _inFlight = inFlight;
            _tickFailure = null;
        }

        Interlocked.Increment(ref _completedTicks);
    }

    public void TickFailed(DateTimeOffset at, Exception exception) => Set(ref _tickFailure, at, exception);

    public void RefreshSucceeded() => Clear(ref _refreshFailure);

    public void RefreshFailed(DateTimeOffset at, Exception exception) => Set(ref _refreshFailure, at, exception);

    /// <summary>Another registry instance leads (or this one has not led yet): no ticks are expected here.</summary>
    public void StandingBy(DateTimeOffset at)
    {
        lock (_lock)
        {
            _standingBy = true;
            _tickingSince = at;
            _lastTickAt = null;
            _plugins = 0;
            _inFlight = 0;
        }
    }

    /// <summary>This instance leads from <paramref name="at"/>: ticks are expected from now on.</summary>
    public void Leading(DateTimeOffset at)
    {
        lock (_lock)
        {
            _standingBy = false;
            _tickingSince = at;
            _lastTickAt = null;
        }
    }

    /// <summary>Monitoring is switched off by configuration: nothing to report on, and nothing wrong.</summary>
    public void Disable() => Volatile.Write(ref _disabled, true);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disabled))
        {
            return Task.FromResult(HealthCheckResult.Healthy("health monitoring is off (Fabrix:Registry:Health:Enabled = false)"));
        }

        lock (_lock)
        {
            var now = timeProvider.GetUtcNow();
            var data = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["last_tick_at"] = _lastTickAt?.ToString("O") ?? "never",
                ["plugins"] = _plugins,
                ["probes_in_flight"] = _inFlight,
                ["role"] = _standingBy ? "standby" : "leader",
            };
            if (_standingBy)
            {
                return Task.FromResult(HealthCheckResult.Healthy("standing by: another registry instance runs the health monitor", data));
            }

            var stale = (options.Value.Tick * 3) + Slack;
            var reference = _lastTickAt ?? _tickingSince;
            if (now - reference > stale)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy(
                    _lastTickAt is null ? $"the health monitor has not completed a tick since {_tickingSince:O}" : $"the health monitor's last completed tick was at {_lastTickAt:O}",
                    data: data));
            }

            var problems = new List<string>();
            Describe(problems, "loading the plugins to monitor", _refreshFailure);
            Describe(problems, "the last tick", _tickFailure);
            return Task.FromResult(problems.Count == 0
                ? HealthCheckResult.Healthy($"monitoring {_plugins} plugins", data)
                : HealthCheckResult.Degraded(string.Join("; ", problems), data: data));
        }
    }

    private static void Describe(List<string> problems, string what, (DateTimeOffset At, string Error)? failure)
    {
        if (failure is { } f)
        {
            problems.Add($"{what} failed at {f.At:O}: {f.Error}");
        }
    }

    private void Set(ref (DateTimeOffset At, string Error)? field, DateTimeOffset at, Exception exception)
    {
        lock (_lock)
        {
            field = (at, $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    private void Clear(ref (DateTimeOffset At, string Error)? field)
    {
        lock (_lock)
        {
            field = null;
        }
    }
}
