using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Benchmarks.Gateway;

namespace Fabrix.Benchmarks.Proxy;

/// <summary>
/// <c>proxy-http</c> (issue 12 section 6): the same 1 KB GET three ways in one run, interleaved and repeated — direct to
/// a minimal Kestrel receiver, through tinyproxy (Debian's, an established forward proxy, allowed to reach the same
/// receiver), and through the real Core.Proxy (real plugin token, policy snapshot, allowlist, address check, quota
/// limiter, decision audit to JetStream and on into the registry's chain). wrk sends absolute-form requests to both
/// proxies. Per round and way: requests per second and the proxy process's CPU time per request. Reported as medians
/// over the rounds, and as ratios.
/// </summary>
internal static class ProxyHttpBenchmark
{
    public static async Task<int> RunAsync(ProxyBenchArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        await using var receiver = await BenchTargets.StartHttpAsync(cancellationToken);
        var receiverPort = new Uri(BenchTargets.AddressOf(receiver)).Port;
        await using var tinyproxy = StartTinyproxy(arguments.WorkFolder, out var tinyproxyAddress);
        await using var platform = await ProxyBenchPlatform.StartAsync(arguments, output, cancellationToken);
        var direct = new Uri($"http://127.0.0.1:{receiverPort}{GatewayPlatform.HttpPath}");
        // tinyproxy resolves names with the system resolver, which does not know the benchmark's name: it gets the
        // address literal (no DNS lookup for it). Core.Proxy never allowlists a literal: it gets the name, which its
        // test-only host map resolves in memory, and then classifies the address as it always does.
        var named = new Uri($"http://{ProxyBenchPlatform.ReceiverHost}:{receiverPort}{GatewayPlatform.HttpPath}");
        Way[] ways =
        [
            new("direct", direct, null, null, 0),
            new("tinyproxy", tinyproxyAddress, direct, null, tinyproxy.Id),
            new("proxy", platform.ProxyAddress, named, platform.Token, platform.ProxyPid),
        ];
        foreach (var way in ways)
        {
            if (await BenchSteps.UntilAsync(() => GetOkAsync(way, cancellationToken), cancellationToken) is { } problem)
            {
                output.WriteLine($"error: {way.Name} ({way.ConnectTo}) does not answer 200: {problem}");
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["bench"] = "proxy-http", ["error"] = $"{way.Name} does not answer 200" }));
                return 1;
            }
        }

        output.WriteLine($"{Environment.ProcessorCount} cores; wrk -t2 -c{arguments.Connections}, {arguments.Duration.TotalSeconds:0.#} s per run, {arguments.Rounds} rounds; " +
            $"1 KB responses; load average {BenchSteps.LoadAverage()}");
        foreach (var way in ways)
        {
            await ForwardProxyWrk.RunAsync(way.ConnectTo, way.Target, way.Token, arguments.Connections, arguments.Warmup, arguments.WorkFolder, cancellationToken);
        }

        var results = ways.ToDictionary(w => w.Name, _ => new List<(WrkResult Result, double CpuUsPerRequest)>());
        var errors = 0L;
        for (var round = 0; round < arguments.Rounds; round++)
        {
            foreach (var way in BenchSteps.Rotated(ways, round))
            {
                var cpuBefore = way.Pid > 0 ? ProcessCpu.Of(way.Pid) : TimeSpan.Zero;
                var result = await ForwardProxyWrk.RunAsync(way.ConnectTo, way.Target, way.Token, arguments.Connections, arguments.Duration, arguments.WorkFolder,
                    cancellationToken);
                var cpu = way.Pid > 0 ? (ProcessCpu.Of(way.Pid) - cpuBefore).TotalMicroseconds / result.Requests : double.NaN;
                results[way.Name].Add((result, cpu));
                // tinyproxy answers each request and closes the connection (no client keep-alive): wrk counts every
                // close as a read error and reconnects. Only its non-2xx answers are failures.
                errors += result.Non2xx + (way.Name == "tinyproxy" ? 0 : result.SocketErrors);
                output.WriteLine($"round {round + 1} {way.Name,-9} {result.RequestsPerSecond,10:0} req/s  {result.Requests,9} requests  " +
                    $"{(double.IsNaN(cpu) ? "      -" : $"{cpu,7:0.0}")} µs CPU/req in the proxy  non-2xx {result.Non2xx}  socket errors {result.SocketErrors}  load {BenchSteps.LoadAverage()}");
            }
        }

        var proxied = results["proxy"].Sum(r => r.Result.Requests);
        output.WriteLine($"decision audit: {await platform.AuditedDecisionsAsync("lane.proxy.forward", cancellationToken)} lane.proxy.forward rows in the registry's chain " +
            $"so far (of {proxied} measured Core.Proxy requests plus warm-up; the chain catches up after the load)");

        double Rps(string name) => BenchSteps.Median(results[name].Select(r => r.Result.RequestsPerSecond));
        double Cpu(string name) => BenchSteps.Median(results[name].Select(r => r.CpuUsPerRequest));
        var summary = new Dictionary<string, object?>
        {
            ["bench"] = "proxy-http",
            ["direct_rps"] = BenchSteps.Round(Rps("direct"), 0),
            ["tinyproxy_rps"] = BenchSteps.Round(Rps("tinyproxy"), 0),
            ["proxy_rps"] = BenchSteps.Round(Rps("proxy"), 0),
            ["ratio_to_tinyproxy"] = BenchSteps.Round(Rps("proxy") / Rps("tinyproxy"), 3),
            ["ratio_to_direct"] = BenchSteps.Round(Rps("proxy") / Rps("direct"), 3),
        };
        output.WriteLine($"medians: CPU per request Core.Proxy {Cpu("proxy"):0.0} µs, tinyproxy {Cpu("tinyproxy"):0.0} µs; tinyproxy ÷ direct {Rps("tinyproxy") / Rps("direct"):0.000}; " +
            $"errors {errors}; load average {BenchSteps.LoadAverage()}");
        var goals = new[]
        {
            ("ratio_to_tinyproxy >= 1.0", Rps("proxy") / Rps("tinyproxy") >= 1.0),
            ("no failed requests", errors == 0),
        };
        output.WriteLine("goals: " + string.Join(", ", goals.Select(g => $"{g.Item1}: {(g.Item2 ? "met" : "MISSED")}")));
        output.WriteLine(JsonSerializer.Serialize(summary));
        return goals.All(g => g.Item2) ? 0 : 1;
    }

    /// <summary>tinyproxy in the foreground on a free loopback port, allowing only loopback clients, logging only critical errors.</summary>
    private static ChildProcess StartTinyproxy(string workFolder, out Uri address)
    {
        var port = GatewayPlatform.FreePort();
        address = new Uri($"http://127.0.0.1:{port}");
        var configuration = Path.Combine(workFolder, "tinyproxy.conf");
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"Port {port}"),
            "Listen 127.0.0.1",
            "Allow 127.0.0.1",
            "Timeout 600",
            "MaxClients 1024",
            "LogLevel Critical",
            "DisableViaHeader Yes",
        };
        if (Environment.UserName == "root")
        {
            // tinyproxy drops root for this user (run.sh runs as root on the build machines).
            lines.AddRange(["User nobody", "Group nogroup"]);
        }

        File.WriteAllLines(configuration, lines);
        var process = new ChildProcess("tinyproxy", workFolder, new ProcessStartInfo("tinyproxy") { ArgumentList = { "-d", "-c", configuration } });
        process.Start();
        return process;
    }

    /// <summary>One GET the way <paramref name="way"/> goes; null when it answered 200, else what went wrong.</summary>
    private static async Task<string?> GetOkAsync(Way way, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler { ActivityHeadersPropagator = null, UseProxy = way.Target is not null };
        if (way.Target is not null)
        {
            handler.Proxy = new WebProxy(way.ConnectTo);
        }

        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, way.Target ?? way.ConnectTo);
        if (way.Token is not null)
        {
            request.Headers.ProxyAuthorization = GatewayPlatform.Bearer(way.Token);
        }

        using var response = await client.SendAsync(request, cancellationToken);
        return response.StatusCode == HttpStatusCode.OK ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
    }

    /// <param name="Name">direct, tinyproxy or proxy.</param>
    /// <param name="ConnectTo">What wrk connects to: the receiver or the proxy.</param>
    /// <param name="Target">The absolute-form target through a proxy; null for direct.</param>
    /// <param name="Token">Core.Proxy's plugin token; null for the others.</param>
    /// <param name="Pid">The proxy process whose CPU time is measured (0: none).</param>
    private sealed record Way(string Name, Uri ConnectTo, Uri? Target, string? Token, int Pid);
}
