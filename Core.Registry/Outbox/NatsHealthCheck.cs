using Microsoft.Extensions.Diagnostics.HealthChecks;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Outbox;

/// <summary>
/// Readiness: the registry's NATS connection is open and the server answers a PING, all within <see cref="Timeout"/>.
/// Waiting for the connection is bounded too (issue 7 section 6: awaiting <c>ConnectAsync</c> while NATS was down held
/// <c>/health</c> for as long as the outage lasted); the client goes on reconnecting by itself, and a later check sees it.
/// </summary>
internal sealed class NatsHealthCheck(INatsConnection nats) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var state = nats.ConnectionState;
        try
        {
            if (state != NatsConnectionState.Open)
            {
                // The first connection is made lazily, and a lost one is being re-made: wait for it, but only this long.
                await nats.ConnectAsync().AsTask().WaitAsync(timeout.Token);
            }

            var roundTrip = await nats.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy($"round trip {roundTrip.TotalMilliseconds:F1} ms");
        }
        catch (Exception exception) when (exception is NatsException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(
                $"NATS is unreachable (connection {nats.ConnectionState.ToString().ToLowerInvariant()}, was {state.ToString().ToLowerInvariant()}).",
                exception);
        }
    }
}
