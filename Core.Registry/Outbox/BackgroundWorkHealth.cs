using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fabrix.Core.Registry.Outbox;

/// <summary>Last outcome of each background loop (outbox relay, key rotation), reported through /health.</summary>
internal sealed class BackgroundWorkHealth(TimeProvider timeProvider) : IHealthCheck
{
    private readonly ConcurrentDictionary<string, (bool Ok, DateTimeOffset At, string? Error)> _work = new(StringComparer.Ordinal);

    public void Succeeded(string work) => _work[work] = (true, timeProvider.GetUtcNow(), null);

    public void Failed(string work, Exception exception) =>
        _work[work] = (false, timeProvider.GetUtcNow(), $"{exception.GetType().Name}: {exception.Message}");

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failing = _work.Where(w => !w.Value.Ok).ToList();
        var data = _work.ToDictionary(w => w.Key, w => (object)(w.Value.Ok ? $"ok at {w.Value.At:O}" : $"failed at {w.Value.At:O}: {w.Value.Error}"), StringComparer.Ordinal);
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy("background work is succeeding", data)
            : HealthCheckResult.Degraded($"failing: {string.Join(", ", failing.Select(f => f.Key))}", data: data));
    }
}
