using System.Text.Json;

namespace Fabrix.Benchmarks.Gateway;

/// <summary>
/// <c>gateway-http</c> (issue 10 section 8): the same 1 KB GET three ways in one run, interleaved and repeated —
/// direct to a minimal Kestrel target, through a bare YARP forwarder, and through the real Fabrix gateway (real token
/// check, policy, caller context, rate limiter, decision audit to JetStream and on into the registry's chain).
/// Per round and way: throughput with wrk (fixed connections) and the forwarding process's CPU time per request; then
/// latency at a fixed rate (<see cref="PacedHttpClient"/>). Reported as medians over the rounds, and as ratios.
/// </summary>
internal static class GatewayHttpBenchmark
{
    public static async Task<int> RunAsync(GatewayBenchArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        await using var target = await BenchTargets.StartHttpAsync(cancellationToken);
        var targetAddress = BenchTargets.AddressOf(target);
        await using var yarp = BenchSteps.StartBareForwarder(arguments, targetAddress, http2: false, out var yarpAddress);
        await using var platform = await GatewayPlatform.StartAsync(arguments, targetAddress, grpc: false, output, cancellationToken);
        BenchWay[] ways =
        [
            new("direct", new Uri(new Uri(targetAddress), GatewayPlatform.HttpPath), 0),
            new("yarp", new Uri(yarpAddress, GatewayPlatform.HttpPath), yarp.Id),
            new("gateway", new Uri(platform.GatewayHttp, $"/{GatewayPlatform.TargetId}{GatewayPlatform.HttpPath}"), platform.GatewayPid),
        ];
        foreach (var way in ways)
        {
            var token = TokenFor(way, platform);
            if (await BenchSteps.UntilAsync(() => BenchSteps.GetOkAsync(way.Address, token, cancellationToken), cancellationToken) is { } problem)
            {
                output.WriteLine($"error: {way.Name} ({way.Address}) does not answer 200: {problem}");
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["bench"] = "gateway-http", ["error"] = $"{way.Name} does not answer 200" }));
                return 1;
            }
        }

        output.WriteLine($"{Environment.ProcessorCount} cores; wrk -t2 -c{arguments.Connections}, {arguments.Duration.TotalSeconds:0.#} s per run, {arguments.Rounds} rounds; " +
            $"latency at {arguments.Rate} req/s for {arguments.Duration.TotalSeconds:0.#} s (+1 s warm-up) per run; load average {BenchSteps.LoadAverage()}");
        foreach (var way in ways)
        {
            await WrkRun.RunAsync(way.Address, TokenFor(way, platform), arguments.Connections, arguments.Warmup, cancellationToken);
        }

        var throughput = ways.ToDictionary(w => w.Name, _ => new List<(WrkResult Result, double CpuUsPerRequest)>());
        var latency = ways.ToDictionary(w => w.Name, _ => new List<LatencyResult>());
        var errors = 0L;
        for (var round = 0; round < arguments.Rounds; round++)
        {
            foreach (var way in BenchSteps.Rotated(ways, round))
            {
                var cpuBefore = way.Pid > 0 ? ProcessCpu.Of(way.Pid) : TimeSpan.Zero;
                var auditPathBefore = platform.AuditPathCpu();
                var result = await WrkRun.RunAsync(way.Address, TokenFor(way, platform), arguments.Connections, arguments.Duration, cancellationToken);
                var cpu = way.Pid > 0 ? (ProcessCpu.Of(way.Pid) - cpuBefore).TotalMicroseconds / result.Requests : double.NaN;
                var auditPath = (platform.AuditPathCpu() - auditPathBefore).TotalMicroseconds / result.Requests;
                throughput[way.Name].Add((result, cpu));
                errors += result.Non2xx + result.SocketErrors;
                output.WriteLine($"round {round + 1} {way.Name,-8} {result.RequestsPerSecond,10:0} req/s  {result.Requests,9} requests  " +
                    $"{(double.IsNaN(cpu) ? "      -" : $"{cpu,7:0.0}")} µs CPU/req (+ registry, nats-server, PostgreSQL {auditPath:0.0})  non-2xx {result.Non2xx}  socket errors {result.SocketErrors}  load {BenchSteps.LoadAverage()}");
            }

            foreach (var way in BenchSteps.Rotated(ways, round))
            {
                var result = await PacedHttpClient.RunAsync(way.Address, TokenFor(way, platform), arguments.Rate, arguments.Duration, arguments.Connections, cancellationToken);
                latency[way.Name].Add(result);
                errors += result.Failed;
                output.WriteLine($"round {round + 1} {way.Name,-8} at {arguments.Rate}/s: p50 {result.P50Ms:0.000} p90 {result.P90Ms:0.000} p99 {result.P99Ms:0.000} " +
                    $"p99.9 {result.P999Ms:0.000} max {result.MaxMs:0.0} ms (service time p50 {result.ServiceP50Ms:0.000} p99 {result.ServiceP99Ms:0.000}; " +
                    $"sender late by up to {result.MaxLagMs:0.0} ms) failed {result.Failed}  load {BenchSteps.LoadAverage()}");
            }
        }

        var gatewayRequests = throughput["gateway"].Sum(r => r.Result.Requests) + latency["gateway"].Sum(r => r.Requests + arguments.Rate);
        output.WriteLine($"decision audit: {await platform.AuditedDecisionsAsync(cancellationToken)} lane.operator.forward rows in the registry's chain so far " +
            $"(of about {gatewayRequests} measured gateway requests plus warm-up; the chain catches up after the load)");

        double Rps(string name) => BenchSteps.Median(throughput[name].Select(r => r.Result.RequestsPerSecond));
        double Cpu(string name) => BenchSteps.Median(throughput[name].Select(r => r.CpuUsPerRequest));
        double P50(string name) => BenchSteps.Median(latency[name].Select(r => r.P50Ms));
        double P99(string name) => BenchSteps.Median(latency[name].Select(r => r.P99Ms));
        var summary = new Dictionary<string, object?>
        {
            ["bench"] = "gateway-http",
            ["direct_rps"] = BenchSteps.Round(Rps("direct"), 0),
            ["yarp_rps"] = BenchSteps.Round(Rps("yarp"), 0),
            ["gateway_rps"] = BenchSteps.Round(Rps("gateway"), 0),
            ["ratio_to_yarp"] = BenchSteps.Round(Rps("gateway") / Rps("yarp"), 3),
            ["ratio_to_direct"] = BenchSteps.Round(Rps("gateway") / Rps("direct"), 3),
            ["added_p50_ms_vs_yarp"] = BenchSteps.Round(P50("gateway") - P50("yarp"), 3),
            ["added_p99_ms_vs_yarp"] = BenchSteps.Round(P99("gateway") - P99("yarp"), 3),
            ["gateway_cpu_us_per_req"] = BenchSteps.Round(Cpu("gateway"), 1),
            ["yarp_cpu_us_per_req"] = BenchSteps.Round(Cpu("yarp"), 1),
        };
        output.WriteLine($"medians: direct p50 {P50("direct"):0.000} p99 {P99("direct"):0.000} ms, yarp p50 {P50("yarp"):0.000} p99 {P99("yarp"):0.000} ms, " +
            $"gateway p50 {P50("gateway"):0.000} p99 {P99("gateway"):0.000} ms; yarp ÷ direct {Rps("yarp") / Rps("direct"):0.000}; " +
            $"CPU gateway ÷ yarp {Cpu("gateway") / Cpu("yarp"):0.00}; errors {errors}; load average {BenchSteps.LoadAverage()}");
        var goals = new[]
        {
            ("ratio_to_yarp >= 0.9", Rps("gateway") / Rps("yarp") >= 0.9),
            ("added p50 <= 0.05 ms", P50("gateway") - P50("yarp") <= 0.05),
            ("added p99 <= 0.5 ms", P99("gateway") - P99("yarp") <= 0.5),
            ("gateway CPU/req <= 1.15x yarp", Cpu("gateway") <= 1.15 * Cpu("yarp")),
            ("no failed requests", errors == 0),
        };
        output.WriteLine("goals: " + string.Join(", ", goals.Select(g => $"{g.Item1}: {(g.Item2 ? "met" : "MISSED")}")));
        output.WriteLine(JsonSerializer.Serialize(summary));
        return goals.All(g => g.Item2) ? 0 : 1;
    }

    private static string? TokenFor(BenchWay way, GatewayPlatform platform) => way.Name == "gateway" ? platform.CallerToken : null;
}
