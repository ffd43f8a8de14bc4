using Fabrix.Core.Registry.Health;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using HealthCheckContext = Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext;
using HealthCheckResult = Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult;
using HealthStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus;

namespace Fabrix.Core.Registry.Tests.Health;

public sealed class HealthMonitorLivenessTests
{
    private readonly FakeTimeProvider _time = new(MonitorHarness.Start);
    private readonly HealthMonitorLiveness _liveness;

    public HealthMonitorLivenessTests() => _liveness = new HealthMonitorLiveness(_time, Options.Create(new HealthOptions()));

    [Fact]
    public async Task Check_TickedRecently_IsHealthy()
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        _liveness.TickCompleted(_time.GetUtcNow(), plugins: 12, inFlight: 3);

        var result = await CheckAsync();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("monitoring 12 plugins", result.Description);
        Assert.Equal(3, result.Data["probes_in_flight"]);
    }

    [Fact]
    public async Task Check_NoTickForThreeTicks_IsUnhealthy()
    {
        _liveness.TickCompleted(_time.GetUtcNow(), 1, 0);

        _time.Advance(TimeSpan.FromSeconds(9));
        var result = await CheckAsync();

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith("the health monitor's last completed tick was at", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NeverTicked_IsUnhealthyOnceOverdue()
    {
        _time.Advance(TimeSpan.FromSeconds(7));
        var starting = await CheckAsync();
        _time.Advance(TimeSpan.FromSeconds(2));

        var overdue = await CheckAsync();

        Assert.Equal((HealthStatus.Healthy, HealthStatus.Unhealthy), (starting.Status, overdue.Status));
    }

    [Fact]
    public async Task Check_RefreshFailing_IsDegradedUntilItSucceeds()
    {
        _liveness.TickCompleted(_time.GetUtcNow(), 1, 0);
        _liveness.RefreshFailed(_time.GetUtcNow(), new InvalidOperationException("database unreachable"));
        var failing = await CheckAsync();

        _liveness.RefreshSucceeded();
        var recovered = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, failing.Status);
        Assert.Contains("loading the plugins to monitor failed", failing.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, recovered.Status);
    }

    [Fact]
    public async Task Check_LastTickFailed_IsDegraded()
    {
        _liveness.TickCompleted(_time.GetUtcNow(), 1, 0);
        _liveness.TickFailed(_time.GetUtcNow(), new InvalidOperationException("boom"));

        var result = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("InvalidOperationException: boom", result.Description, StringComparison.Ordinal);
    }

    private Task<HealthCheckResult> CheckAsync() => _liveness.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
}
