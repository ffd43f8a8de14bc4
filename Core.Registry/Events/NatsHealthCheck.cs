using Microsoft.Extensions.Diagnostics.HealthChecks;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Events;

/// <summary>Readiness: the NATS server answers a PING.</summary>
internal sealed class NatsHealthCheck(INatsConnection nats) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await nats.ConnectAsync();
            var roundTrip = await nats.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy($"round trip {roundTrip.TotalMilliseconds:F1} ms");
        }
        catch (Exception exception) when (exception is NatsException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("NATS is unreachable.", exception);
        }
    }
}
