using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// The standard gRPC health check (<c>grpc.health.v1.Health/Check</c> for the whole server, service name empty) over
/// h2c: <c>SERVING</c> is healthy; <c>NOT_SERVING</c>, any other status, an RPC error (including
/// <c>UNIMPLEMENTED</c> from a server without the health service) or no answer within the timeout is a failure.
/// </summary>
internal sealed class GrpcHealthProbe(IHttpClientFactory httpClientFactory, TimeProvider timeProvider)
{
    /// <summary>A health response is a single enum; anything near this size is not one.</summary>
    private const int MaxResponseBytes = 4 * 1024;

    public async Task<HealthProbeResult> ProbeAsync(Uri address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);

        // A channel over the shared, pooled handler is cheap to create; the connections live in the handler.
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpClient = httpClientFactory.CreateClient(HealthProbeClient.Name),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = MaxResponseBytes,
            ThrowOperationCanceledOnCancellation = true,
        });
        try
        {
            var response = await new Grpc.Health.V1.Health.HealthClient(channel)
                .CheckAsync(new HealthCheckRequest(), cancellationToken: linked.Token);
            var elapsed = timeProvider.GetElapsedTime(started);
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? new HealthProbeResult(true, elapsed, "SERVING", HealthProbeResult.NoMetrics)
                : HealthProbeResult.Failed(elapsed, $"gRPC health of {address} is {StatusName(response.Status)}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return HealthProbeResult.Failed(timeProvider.GetElapsedTime(started), $"no gRPC health answer from {address} within {HealthProbeClient.Describe(timeout)}");
        }
        catch (RpcException exception)
        {
            return HealthProbeResult.Failed(timeProvider.GetElapsedTime(started), $"gRPC health check of {address} failed: {exception.StatusCode} {exception.Status.Detail}");
        }
    }

    private static string StatusName(HealthCheckResponse.Types.ServingStatus status) => status switch
    {
        HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
        HealthCheckResponse.Types.ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
        HealthCheckResponse.Types.ServingStatus.Unknown => "UNKNOWN",
        _ => $"status {(int)status}",
    };
}
