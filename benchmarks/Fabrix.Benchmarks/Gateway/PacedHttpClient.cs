using System.Diagnostics;
using System.Net;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>Latency percentiles of one fixed-rate run, in milliseconds.</summary>
internal sealed record LatencyResult(int Requests, int Failed, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs,
    double ServiceP50Ms, double ServiceP99Ms, double MaxLagMs);

/// <summary>
/// Latency at a fixed rate, wrk2-style (Debian has no wrk2, and its wrk has no <c>-R</c>): request <c>i</c> is due at
/// <c>start + i / rate</c> on a fixed schedule that never waits for answers, and its latency is measured from that
/// intended time, not from when it was actually sent. A slow answer therefore counts for every request it delayed
/// (no coordinated omission). HTTP/1.1 over at most <c>connections</c> keep-alive connections; a request waits for a
/// free one. The first second is warm-up and not counted. The service time (from the actual send) is reported beside
/// it, and how late the sender itself ran, so that the client's own scheduling is visible.
/// </summary>
internal static class PacedHttpClient
{
    public static async Task<LatencyResult> RunAsync(Uri url, string? token, int rate, TimeSpan duration, int connections, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = connections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ActivityHeadersPropagator = null,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var invoker = new HttpMessageInvoker(handler);
        var warmup = rate;
        var total = warmup + (int)(rate * duration.TotalSeconds);
        var latencies = new long[total];
        var service = new long[total];
        var failed = 0;
        var tasks = new Task[total];
        var interval = (double)Stopwatch.Frequency / rate;
        long maxLag = 0;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
        var next = 0;
        // The schedule runs on its own thread: it sleeps in 1 ms steps (Linux's timer resolution; spinning would take a
        // whole core from the servers on a 2-core machine) and, on each wake-up, sends everything that is due.
        var scheduler = new Thread(() =>
        {
            while (next < total && !cancellationToken.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                while (next < total && start + (long)(next * interval) <= now)
                {
                    var index = next++;
                    var intended = start + (long)(index * interval);
                    maxLag = Math.Max(maxLag, now - intended);
                    tasks[index] = SendAsync(index, intended);
                }

                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "paced-client" };
        scheduler.Start();
        await Task.Run(scheduler.Join, cancellationToken);
        await Task.WhenAll(tasks.Where(t => t is not null));

        var measured = latencies.AsSpan(warmup).ToArray();
        var serviceMeasured = service.AsSpan(warmup).ToArray();
        Array.Sort(measured);
        Array.Sort(serviceMeasured);
        return new LatencyResult(measured.Length, failed, Ms(Percentile(measured, 0.50)), Ms(Percentile(measured, 0.90)), Ms(Percentile(measured, 0.99)),
            Ms(Percentile(measured, 0.999)), Ms(measured[^1]), Ms(Percentile(serviceMeasured, 0.50)), Ms(Percentile(serviceMeasured, 0.99)), Ms(maxLag));

        async Task SendAsync(int index, long intended)
        {
            await Task.Yield();
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
                if (token is not null)
                {
                    request.Headers.Authorization = GatewayPlatform.Bearer(token);
                }

                using var response = await invoker.SendAsync(request, cancellationToken);
                await response.Content.CopyToAsync(Stream.Null, cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failed);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failed);
            }

            var done = Stopwatch.GetTimestamp();
            latencies[index] = done - intended;
            service[index] = done - sent;
        }
    }

    private static long Percentile(long[] sorted, double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];

    private static double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);
}
