using System.Text.Json;
using Fabrix.Benchmarks.Gateway.Protos;
using Grpc.Core;
using Grpc.Net.Client;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>
/// <c>gateway-grpc</c> (issue 10 section 8): the same unary call (a few bytes in, 1 KB out) three ways in one run,
/// interleaved and repeated — direct to a minimal gRPC target over h2c, through a bare YARP forwarder (h2c on both
/// sides), and through the Fabrix gateway's h2c endpoint with <c>fabrix-target</c> and the caller's plugin token.
/// Throughput at a fixed concurrency (<see cref="GrpcLoad"/>), medians over the rounds, ratios. The forwarding
/// processes' CPU time per call is reported beside it.
/// </summary>
internal static class GatewayGrpcBenchmark
{
    public static async Task<int> RunAsync(GatewayBenchArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        await using var target = await BenchTargets.StartGrpcAsync(cancellationToken);
        var targetAddress = BenchTargets.AddressOf(target);
        await using var yarp = BenchSteps.StartBareForwarder(arguments, targetAddress, http2: true, out var yarpAddress);
        await using var platform = await GatewayPlatform.StartAsync(arguments, targetAddress, grpc: true, output, cancellationToken);
        var gatewayHeaders = new Metadata
        {
            { "authorization", $"Bearer {platform.CallerToken}" },
            { "fabrix-target", GatewayPlatform.TargetId },
        };
        var ways = new List<(BenchWay Way, Metadata? Headers)>
        {
            (new BenchWay("direct", new Uri(targetAddress), 0), null),
            (new BenchWay("yarp", yarpAddress, yarp.Id), null),
        };
        var gateway = (Way: new BenchWay("gateway", platform.GatewayGrpc!, platform.GatewayPid), Headers: (Metadata?)gatewayHeaders);
        foreach (var (way, headers) in ways.Append(gateway))
        {
            var problem = await BenchSteps.UntilAsync(() => CallOkAsync(way.Address, headers, cancellationToken), cancellationToken);
            if (problem is null)
            {
                continue;
            }

            if (way.Name != "gateway")
            {
                output.WriteLine($"error: {way.Name} ({way.Address}) does not answer: {problem}");
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["bench"] = "gateway-grpc", ["error"] = $"{way.Name} does not answer" }));
                return 1;
            }

            // The gateway's gRPC forwarding is issue 10 section 1's: without it, measure the two baselines and say so.
            output.WriteLine($"the gateway does not forward the gRPC call ({problem}): measuring direct and yarp only; gateway_rps is null");
            gateway = default;
        }

        if (gateway.Way is not null)
        {
            ways.Add(gateway);
        }

        output.WriteLine($"{Environment.ProcessorCount} cores; {arguments.Connections} concurrent unary calls on one channel, {arguments.Duration.TotalSeconds:0.#} s per run, " +
            $"{arguments.Rounds} rounds; load average {BenchSteps.LoadAverage()}");
        foreach (var (way, headers) in ways)
        {
            await GrpcLoad.RunAsync(way.Address, headers, arguments.Connections, arguments.Warmup, cancellationToken);
        }

        var runs = ways.ToDictionary(w => w.Way.Name, _ => new List<(GrpcLoadResult Result, double CpuUsPerCall)>());
        var failed = 0L;
        for (var round = 0; round < arguments.Rounds; round++)
        {
            foreach (var (way, headers) in BenchSteps.Rotated(ways, round))
            {
                var cpuBefore = way.Pid > 0 ? ProcessCpu.Of(way.Pid) : TimeSpan.Zero;
                var result = await GrpcLoad.RunAsync(way.Address, headers, arguments.Connections, arguments.Duration, cancellationToken);
                var cpu = way.Pid > 0 && result.Calls > 0 ? (ProcessCpu.Of(way.Pid) - cpuBefore).TotalMicroseconds / result.Calls : double.NaN;
                runs[way.Name].Add((result, cpu));
                failed += result.Failed;
                output.WriteLine($"round {round + 1} {way.Name,-8} {result.CallsPerSecond,10:0} calls/s  {result.Calls,9} calls  " +
                    $"{(double.IsNaN(cpu) ? "      -" : $"{cpu,7:0.0}")} µs CPU/call  failed {result.Failed}{(result.FirstError is null ? string.Empty : $" ({result.FirstError})")}  " +
                    $"load {BenchSteps.LoadAverage()}");
            }
        }

        double Rps(string name) => runs.TryGetValue(name, out var list) ? BenchSteps.Median(list.Select(r => r.Result.CallsPerSecond)) : double.NaN;
        double Cpu(string name) => runs.TryGetValue(name, out var list) ? BenchSteps.Median(list.Select(r => r.CpuUsPerCall)) : double.NaN;
        output.WriteLine($"medians: yarp ÷ direct {Rps("yarp") / Rps("direct"):0.000}; CPU µs/call yarp {Cpu("yarp"):0.0}, gateway {Cpu("gateway"):0.0}; " +
            $"failed calls {failed}; load average {BenchSteps.LoadAverage()}");
        var summary = new Dictionary<string, object?>
        {
            ["bench"] = "gateway-grpc",
            ["direct_rps"] = BenchSteps.Round(Rps("direct"), 0),
            ["yarp_rps"] = BenchSteps.Round(Rps("yarp"), 0),
            ["gateway_rps"] = BenchSteps.Round(Rps("gateway"), 0),
            ["ratio_to_yarp"] = BenchSteps.Round(Rps("gateway") / Rps("yarp"), 3),
            ["ratio_to_direct"] = BenchSteps.Round(Rps("gateway") / Rps("direct"), 3),
        };
        var met = Rps("gateway") / Rps("yarp") >= 0.9 && failed == 0;
        output.WriteLine($"goals: ratio_to_yarp >= 0.9 and no failed call: {(met ? "met" : "MISSED")}");
        output.WriteLine(JsonSerializer.Serialize(summary));
        return met ? 0 : 1;
    }

    /// <summary>One call; null when it answered OK with the 1 KB reply, else what went wrong.</summary>
    private static async Task<string?> CallOkAsync(Uri address, Metadata? headers, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false }, DisposeHttpClient = true });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var reply = await new Echo.EchoClient(channel).SayAsync(new SayRequest { Text = "check" }, headers, cancellationToken: timeout.Token);
        return reply.Payload.Length == BenchTargets.Payload.Length ? null : $"a reply of {reply.Payload.Length} bytes";
    }
}
