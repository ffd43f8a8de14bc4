using System.Diagnostics;
using Fabrix.Benchmarks.Gateway.Protos;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>What one gRPC load run completed.</summary>
internal sealed record GrpcLoadResult(long Calls, long Failed, double Seconds, double CallsPerSecond, string? FirstError);

/// <summary>
/// Unary gRPC throughput with a fixed concurrency: one <see cref="GrpcChannel"/> (HTTP/2 over h2c, more connections
/// when the streams of one run out), <c>concurrency</c> callers each sending its next call when the last one answered.
/// A call counts only when it ends with status OK and the 1 KB reply.
/// </summary>
internal static class GrpcLoad
{
    public static async Task<GrpcLoadResult> RunAsync(Uri address, Metadata? headers, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true, ActivityHeadersPropagator = null },
            DisposeHttpClient = true,
        });
        var client = new Echo.EchoClient(channel);
        var request = new SayRequest { Text = "ping" };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long calls = 0;
        long failed = 0;
        string? firstError = null;
        var watch = Stopwatch.StartNew();
        stop.CancelAfter(duration);
        var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var reply = await client.SayAsync(request, headers, cancellationToken: CancellationToken.None);
                    if (reply.Payload.Length == BenchTargets.Payload.Length)
                    {
                        Interlocked.Increment(ref calls);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (RpcException exception)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, $"{exception.StatusCode}: {exception.Status.Detail}", null);
                }
            }
        }, CancellationToken.None));
        await Task.WhenAll(callers);
        var seconds = watch.Elapsed.TotalSeconds;
        return new GrpcLoadResult(calls, failed, seconds, calls / seconds, firstError);
    }
}
