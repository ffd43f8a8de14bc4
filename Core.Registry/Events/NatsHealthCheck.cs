using Microsoft.Extensions.Diagnostics.HealthChecks;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Events;

/// <summary>
/// Readiness: the registry's NATS connection is open and the server answers a PING within <see cref="Timeout"/>.
/// It never waits for a connection to come back (issue 7 section 6: awaiting <c>ConnectAsync</c> while NATS was down
/// held <c>/health</c> for as long as the outage lasted); the client reconnects on its own, and the next check sees it.
/// </summary>
internal sealed class NatsHealthCheck(INatsConnection nats) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = nats.ConnectionState;
        if (state == NatsConnectionState.Closed)
        {
            // Never connected yet (the first connection is made lazily): start it, but do not wait for it here.
            _ = ConnectInBackgroundAsync();
        }

        if (state != NatsConnectionState.Open)
        {
            return HealthCheckResult.Unhealthy($"NATS is unreachable (connection {state.ToString().ToLowerInvariant()}).");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var roundTrip = await nats.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy($"round trip {roundTrip.TotalMilliseconds:F1} ms");
        }
        catch (Exception exception) when (exception is NatsException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("NATS did not answer a ping.", exception);
        }
    }

    private async Task ConnectInBackgroundAsync()
    {
        try
        {
            await nats.ConnectAsync();
        }
        catch (Exception exception) when (exception is NatsException or ObjectDisposedException)
        {
            // Reported by the next check through the connection state; the client keeps retrying.
        }
    }
}
