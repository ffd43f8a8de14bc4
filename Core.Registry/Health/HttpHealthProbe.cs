using System.Net;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// HTTP GET of the plugin's <c>health_check</c> path: 200 is healthy (seed 004 "Active polling: HTTP 200 expected");
/// any other status, a refused connection or no answer within the timeout is a failure. A JSON object in a 200 body
/// yields metrics (<see cref="HealthMetricsReader"/>); a body that is not JSON is fine.
/// </summary>
internal sealed class HttpHealthProbe(IHttpClientFactory httpClientFactory, TimeProvider timeProvider)
{
    public async Task<HealthProbeResult> ProbeAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var client = httpClientFactory.CreateClient(HealthProbeClient.Name);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return HealthProbeResult.Failed(timeProvider.GetElapsedTime(started), $"HTTP {(int)response.StatusCode} from {url}");
            }

            // The body is read under the same deadline: a server that sends 200 and then stalls is not healthy.
            var metrics = await HealthMetricsReader.ReadAsync(response.Content, linked.Token);
            return new HealthProbeResult(true, timeProvider.GetElapsedTime(started), "HTTP 200", metrics);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return HealthProbeResult.Failed(timeProvider.GetElapsedTime(started), $"no answer from {url} within {HealthProbeClient.Describe(timeout)}");
        }
        catch (HttpRequestException exception)
        {
            return HealthProbeResult.Failed(timeProvider.GetElapsedTime(started), $"GET {url} failed: {exception.Message}");
        }
    }
}
