using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fabrix.Core.Registry.BackgroundWork;

/// <summary>
/// Last success and last failure of each background loop (outbox relay, key rotation, audit checkpoints, health
/// history retention, decision ingest, policy feed), reported through <c>/health</c> as the <c>background-work</c>
/// check: Degraded while the latest iteration of any loop failed, with every loop's last success and last failure in
/// the check's data.
/// </summary>
internal sealed class BackgroundWorkHealth(TimeProvider timeProvider) : IHealthCheck
{
    private readonly ConcurrentDictionary<string, BackgroundWorkStatus> _work = new(StringComparer.Ordinal);

    public void Succeeded(string work) =>
        _work.AddOrUpdate(
            work,
            static (_, now) => new BackgroundWorkStatus(now, null, null, Failing: false),
            static (_, status, now) => status with { LastSuccessAt = now, Failing = false },
            timeProvider.GetUtcNow());

    public void Failed(string work, Exception exception)
    {
        var failure = (At: timeProvider.GetUtcNow(), Error: $"{exception.GetType().Name}: {exception.Message}");
        _work.AddOrUpdate(
            work,
            static (_, failure) => new BackgroundWorkStatus(null, failure.At, failure.Error, Failing: true),
            static (_, status, failure) => status with { LastFailureAt = failure.At, LastError = failure.Error, Failing = true },
            failure);
    }

    /// <summary>What is known of <paramref name="work"/>; null before its first iteration ended.</summary>
    public BackgroundWorkStatus? Status(string work) => _work.TryGetValue(work, out var status) ? status : null;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var failing = new List<string>();
        foreach (var (work, status) in _work.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            data[$"{work}.last_success"] = status.LastSuccessAt?.ToString("O") ?? "never";
            data[$"{work}.last_failure"] = status.LastFailureAt is { } at ? $"{at:O}: {status.LastError}" : "never";
            if (status.Failing)
            {
                failing.Add(work);
            }
        }

        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy("background work is succeeding", data)
            : HealthCheckResult.Degraded($"failing: {string.Join(", ", failing)}", data: data));
    }
}

/// <summary>One loop's record: when it last succeeded, when it last failed and why, and whether its latest iteration failed.</summary>
internal sealed record BackgroundWorkStatus(DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastError, bool Failing);
